// CSR construction, validation and transposition (gcnops/graph.hpp).
#include "gcnops/graph.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "gcnops/error.hpp"

namespace gcnops {

namespace {

// Sorts one row's (column, weight) pairs by column and merges repeats;
// returns the new row length. `weights` may be null (unweighted).
std::int64_t sort_and_merge_row(node_id* cols, double* weights,
                                std::int64_t length, bool keep_max,
                                std::vector<std::pair<node_id, double>>& tmp) {
  if (length == 0) return 0;
  if (weights == nullptr) {
    std::sort(cols, cols + length);
    return std::unique(cols, cols + length) - cols;
  }
  tmp.clear();
  for (std::int64_t k = 0; k < length; ++k)
    tmp.emplace_back(cols[k], weights[k]);
  std::sort(tmp.begin(), tmp.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  std::int64_t out = 0;
  for (std::size_t k = 0; k < tmp.size(); ++k) {
    if (out > 0 && cols[out - 1] == tmp[k].first) {
      double& w = weights[out - 1];
      w = keep_max ? std::max(w, tmp[k].second) : w + tmp[k].second;
      continue;
    }
    cols[out] = tmp[k].first;
    weights[out] = tmp[k].second;
    ++out;
  }
  return out;
}

void check_weight(double w, std::int64_t k, const char* where) {
  if (!std::isfinite(w) || w < 0) {
    throw invalid_argument(detail::concat(where, ": weight[", k, "] = ", w,
                                          ", expected a finite value >= 0"));
  }
}

}  // namespace

graph::graph() : row_ptr_(1, 0) {}

graph graph::from_edges(const edge_list& edges, const graph_options& options) {
  constexpr const char* where = "graph::from_edges";
  const std::size_t m = edges.src.size();

  // 1. Shapes and ids.
  detail::check_argument(edges.dst.size() == m, where, "dst.size()",
                         edges.dst.size(), detail::concat(m, " (src.size())"));
  detail::check_argument(edges.weight.empty() || edges.weight.size() == m,
                         where, "weight.size()", edges.weight.size(),
                         detail::concat("0 or ", m, " (src.size())"));
  std::int64_t largest = -1;
  for (std::size_t k = 0; k < m; ++k) {
    for (std::int64_t id : {edges.src[k], edges.dst[k]}) {
      if (id < 0) {
        throw invalid_argument(detail::concat(
            where, ": edge ", k, " (", edges.src[k], " -> ", edges.dst[k],
            ") has node id ", id, ", expected >= 0"));
      }
      largest = std::max(largest, id);
    }
    if (!edges.weight.empty()) check_weight(edges.weight[k], k, where);
  }
  const std::int64_t n = edges.num_nodes < 0 ? largest + 1 : edges.num_nodes;
  if (n > max_nodes) {
    throw limit_error(detail::concat(where, ": ", n,
                                     " nodes exceed the limit"
                                     " of ",
                                     max_nodes, " (32-bit node ids)"));
  }
  if (largest >= n) {
    throw invalid_argument(detail::concat(
        where, ": node id ", largest, " is out of range for num_nodes = ", n,
        ", expected ids in [0, ", n, ")"));
  }

  // 2. Count the entries of every row (both directions if undirected).
  // Parallel edges of an unweighted multigraph add up to weights > 1, so
  // that case carries unit weights until the merge has shown otherwise.
  const bool weighted = !edges.weight.empty() || !options.drop_duplicates;
  const bool both = options.make_undirected;
  auto keep = [&](std::size_t k) {
    return !(options.drop_self_loops && edges.src[k] == edges.dst[k]);
  };
  std::vector<edge_offset> offsets(static_cast<std::size_t>(n) + 1, 0);
  for (std::size_t k = 0; k < m; ++k) {
    if (!keep(k)) continue;
    ++offsets[edges.src[k] + 1];
    if (both && edges.src[k] != edges.dst[k]) ++offsets[edges.dst[k] + 1];
  }
  std::partial_sum(offsets.begin(), offsets.end(), offsets.begin());
  const auto total = static_cast<std::size_t>(offsets.back());
  detail::check_host_allocation(
      detail::checked_bytes(total, sizeof(node_id) + (weighted ? 8 : 0), where),
      where);

  // 3. Scatter the entries into their rows.
  std::vector<node_id> cols(total);
  std::vector<double> weights(weighted ? total : 0);
  std::vector<edge_offset> cursor(offsets.begin(), offsets.end() - 1);
  auto put = [&](std::int64_t i, std::int64_t j, std::size_t k) {
    const edge_offset at = cursor[i]++;
    cols[at] = static_cast<node_id>(j);
    if (weighted) weights[at] = edges.weight.empty() ? 1.0 : edges.weight[k];
  };
  for (std::size_t k = 0; k < m; ++k) {
    if (!keep(k)) continue;
    put(edges.src[k], edges.dst[k], k);
    if (both && edges.src[k] != edges.dst[k])
      put(edges.dst[k], edges.src[k], k);
  }

  // 4. Sort every row, merge parallel edges and compact in place.
  graph g;
  g.num_nodes_ = n;
  g.row_ptr_.assign(static_cast<std::size_t>(n) + 1, 0);
  std::vector<std::pair<node_id, double>> tmp;
  edge_offset write = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const edge_offset begin = offsets[i];
    const std::int64_t len = sort_and_merge_row(
        cols.data() + begin, weighted ? weights.data() + begin : nullptr,
        offsets[i + 1] - begin, options.drop_duplicates, tmp);
    std::move(cols.begin() + begin, cols.begin() + begin + len,
              cols.begin() + write);
    if (weighted) {
      std::move(weights.begin() + begin, weights.begin() + begin + len,
                weights.begin() + write);
    }
    write += len;
    g.row_ptr_[i + 1] = write;
  }
  cols.resize(write);
  cols.shrink_to_fit();
  if (weighted) {
    weights.resize(write);
    weights.shrink_to_fit();
    if (edges.weight.empty() &&
        std::all_of(weights.begin(), weights.end(),
                    [](double w) { return w == 1.0; })) {
      weights = {};
    }
  }
  g.col_idx_ = std::move(cols);
  g.weights_ = std::move(weights);
  g.finish();
  return g;
}

graph graph::from_csr(std::int64_t num_nodes, std::vector<edge_offset> row_ptr,
                      std::vector<node_id> col_idx,
                      std::vector<double> weights) {
  constexpr const char* where = "graph::from_csr";
  detail::check_argument(num_nodes >= 0 && num_nodes <= max_nodes, where,
                         "num_nodes", num_nodes,
                         detail::concat("0 <= num_nodes <= ", max_nodes));
  detail::check_argument(
      row_ptr.size() == static_cast<std::size_t>(num_nodes) + 1, where,
      "row_ptr.size()", row_ptr.size(), "num_nodes + 1");
  detail::check_argument(row_ptr.front() == 0, where, "row_ptr[0]",
                         row_ptr.front(), "0");
  detail::check_argument(
      row_ptr.back() == static_cast<edge_offset>(col_idx.size()), where,
      "row_ptr[num_nodes]", row_ptr.back(),
      detail::concat(col_idx.size(), " (col_idx.size())"));
  detail::check_argument(weights.empty() || weights.size() == col_idx.size(),
                         where, "weights.size()", weights.size(),
                         detail::concat("0 or ", col_idx.size()));
  for (std::int64_t i = 0; i < num_nodes; ++i) {
    if (row_ptr[i + 1] < row_ptr[i]) {
      throw invalid_argument(detail::concat(
          where, ": row_ptr[", i + 1, "] = ", row_ptr[i + 1], " < row_ptr[", i,
          "] = ", row_ptr[i], ", expected non-decreasing"));
    }
    for (edge_offset k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
      const node_id j = col_idx[k];
      if (j < 0 || j >= num_nodes) {
        throw invalid_argument(
            detail::concat(where, ": col_idx[", k, "] = ", j, " in row ", i,
                           ", expected a node id in [0, ", num_nodes, ")"));
      }
      if (k > row_ptr[i] && col_idx[k - 1] >= j) {
        throw invalid_argument(detail::concat(
            where, ": col_idx[", k, "] = ", j, " follows ", col_idx[k - 1],
            " in row ", i, ", expected strictly increasing columns"));
      }
      if (!weights.empty()) check_weight(weights[k], k, where);
    }
  }
  graph g;
  g.num_nodes_ = num_nodes;
  g.row_ptr_ = std::move(row_ptr);
  g.col_idx_ = std::move(col_idx);
  g.weights_ = std::move(weights);
  g.finish();
  return g;
}

void graph::finish() {
  self_loops_ = 0;
  symmetric_ = true;
  for (std::int64_t i = 0; i < num_nodes_; ++i) {
    for (edge_offset k = row_ptr_[i]; k < row_ptr_[i + 1]; ++k) {
      const node_id j = col_idx_[k];
      if (j == i) {
        ++self_loops_;
        continue;
      }
      if (!symmetric_) continue;
      // Look for (j, i) with the same weight.
      const auto first = col_idx_.begin() + row_ptr_[j];
      const auto last = col_idx_.begin() + row_ptr_[j + 1];
      const auto it = std::lower_bound(first, last, static_cast<node_id>(i));
      if (it == last || *it != i ||
          weight(it - col_idx_.begin()) != weight(k)) {
        symmetric_ = false;
      }
    }
  }
}

graph graph::transpose() const {
  graph t;
  t.num_nodes_ = num_nodes_;
  t.row_ptr_.assign(row_ptr_.size(), 0);
  for (node_id j : col_idx_)
    ++t.row_ptr_[j + 1];
  std::partial_sum(t.row_ptr_.begin(), t.row_ptr_.end(), t.row_ptr_.begin());
  t.col_idx_.resize(col_idx_.size());
  t.weights_.resize(weights_.size());
  std::vector<edge_offset> cursor(t.row_ptr_.begin(), t.row_ptr_.end() - 1);
  // Rows are visited in increasing order, so every transposed row comes out
  // sorted.
  for (std::int64_t i = 0; i < num_nodes_; ++i) {
    for (edge_offset k = row_ptr_[i]; k < row_ptr_[i + 1]; ++k) {
      const edge_offset at = cursor[col_idx_[k]]++;
      t.col_idx_[at] = static_cast<node_id>(i);
      if (!weights_.empty()) t.weights_[at] = weights_[k];
    }
  }
  t.symmetric_ = symmetric_;
  t.self_loops_ = self_loops_;
  return t;
}

graph graph::without_self_loops() const {
  if (self_loops_ == 0) return *this;
  graph g;
  g.num_nodes_ = num_nodes_;
  g.row_ptr_.assign(row_ptr_.size(), 0);
  g.col_idx_.reserve(col_idx_.size() - self_loops_);
  if (!weights_.empty()) g.weights_.reserve(col_idx_.size() - self_loops_);
  for (std::int64_t i = 0; i < num_nodes_; ++i) {
    for (edge_offset k = row_ptr_[i]; k < row_ptr_[i + 1]; ++k) {
      if (col_idx_[k] == i) continue;
      g.col_idx_.push_back(col_idx_[k]);
      if (!weights_.empty()) g.weights_.push_back(weights_[k]);
    }
    g.row_ptr_[i + 1] = static_cast<edge_offset>(g.col_idx_.size());
  }
  g.symmetric_ = symmetric_;
  g.self_loops_ = 0;
  return g;
}

edge_list graph::to_edges() const {
  edge_list e;
  e.num_nodes = num_nodes_;
  e.src.reserve(col_idx_.size());
  e.dst.reserve(col_idx_.size());
  for (std::int64_t i = 0; i < num_nodes_; ++i) {
    for (edge_offset k = row_ptr_[i]; k < row_ptr_[i + 1]; ++k) {
      e.src.push_back(i);
      e.dst.push_back(col_idx_[k]);
    }
  }
  e.weight = weights_;
  return e;
}

graph_stats compute_stats(const graph& g) {
  graph_stats s;
  s.nodes = g.num_nodes();
  s.edges = g.num_edges();
  s.self_loops = g.num_self_loops();
  s.symmetric = g.symmetric();
  s.weighted = g.weighted();
  if (s.nodes == 0) return s;
  std::vector<unsigned char> touched(static_cast<std::size_t>(s.nodes), 0);
  s.min_degree = g.degree(0);
  s.max_degree = g.degree(0);
  const auto row_ptr = g.row_ptr();
  const auto col = g.col_idx();
  for (std::int64_t i = 0; i < s.nodes; ++i) {
    s.min_degree = std::min(s.min_degree, g.degree(i));
    s.max_degree = std::max(s.max_degree, g.degree(i));
    for (edge_offset k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
      if (col[k] == i) continue;
      touched[i] = 1;
      touched[col[k]] = 1;
    }
  }
  s.mean_degree = static_cast<double>(s.edges) / static_cast<double>(s.nodes);
  s.isolated = std::count(touched.begin(), touched.end(), 0);
  return s;
}

}  // namespace gcnops
