// CSR construction, validation and transposition (gcnops/graph.hpp).
#include "gcnops/graph.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <utility>

#include "allocation.hpp"
#include "gcnops/error.hpp"

namespace gcnops {

namespace {

// Sorts row `row`'s (column, weight) pairs by column and merges repeats;
// returns the new row length. `weights` may be null (unweighted). Summed
// weights that overflow a double are refused.
std::int64_t sort_and_merge_row(std::int64_t row, node_id* cols,
                                double* weights, std::int64_t length,
                                bool keep_max,
                                std::vector<std::pair<node_id, double>>& tmp) {
  if (length == 0) return 0;
  if (weights == nullptr) {
    std::sort(cols, cols + length);
    return std::unique(cols, cols + length) - cols;
  }
  tmp.clear();
  detail::reserve_checked(tmp, static_cast<std::size_t>(length),
                          "graph::from_edges: row buffer");
  for (std::int64_t k = 0; k < length; ++k)
    tmp.emplace_back(cols[k], weights[k]);
  std::sort(tmp.begin(), tmp.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  std::int64_t out = 0;
  for (std::size_t k = 0; k < tmp.size(); ++k) {
    if (out > 0 && cols[out - 1] == tmp[k].first) {
      double& w = weights[out - 1];
      const double merged =
          keep_max ? std::max(w, tmp[k].second) : w + tmp[k].second;
      if (!std::isfinite(merged)) {
        throw invalid_argument(detail::concat(
            "graph::from_edges: parallel edges (", row, ", ", tmp[k].first,
            ") add up to a weight of ", w, " + ", tmp[k].second,
            ", which overflows a double; expected a finite sum"));
      }
      w = merged;
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

graph::graph(graph&& other) noexcept
    : num_nodes_(std::exchange(other.num_nodes_, 0)),
      row_ptr_(std::move(other.row_ptr_)),
      col_idx_(std::move(other.col_idx_)),
      weights_(std::move(other.weights_)),
      symmetric_(std::exchange(other.symmetric_, true)),
      self_loops_(std::exchange(other.self_loops_, 0)) {}

graph& graph::operator=(graph&& other) noexcept {
  if (this == &other) return *this;
  num_nodes_ = std::exchange(other.num_nodes_, 0);
  row_ptr_ = std::move(other.row_ptr_);
  col_idx_ = std::move(other.col_idx_);
  weights_ = std::move(other.weights_);
  other.row_ptr_.clear();
  other.col_idx_.clear();
  other.weights_.clear();
  symmetric_ = std::exchange(other.symmetric_, true);
  self_loops_ = std::exchange(other.self_loops_, 0);
  return *this;
}

graph graph::from_edges(const edge_list& edges, const graph_options& options) {
  constexpr const char* where = "graph::from_edges";
  const std::size_t m = edges.src.size();

  // 1. Shapes and ids.
  detail::check_argument(edges.num_nodes >= -1, where, "num_nodes",
                         edges.num_nodes,
                         ">= 0, or -1 to count the nodes from the ids");
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

  // 2. Size the whole build before allocating any of it: three arrays of
  // N + 1 offsets (counts, cursors, row pointers) and every stored entry,
  // both directions if undirected. Parallel edges of an unweighted
  // multigraph add up to weights > 1, so that case carries unit weights
  // until the merge has shown otherwise.
  const bool weighted = !edges.weight.empty() || !options.drop_duplicates;
  const bool both = options.make_undirected;
  auto keep = [&](std::size_t k) {
    return !(options.drop_self_loops && edges.src[k] == edges.dst[k]);
  };
  std::size_t total = 0;
  for (std::size_t k = 0; k < m; ++k) {
    if (keep(k)) total += both && edges.src[k] != edges.dst[k] ? 2 : 1;
  }
  const std::size_t rows = static_cast<std::size_t>(n) + 1;
  const std::size_t offset_bytes =
      detail::checked_bytes(rows, 3 * sizeof(edge_offset), where);
  const std::size_t entry_bytes = detail::checked_bytes(
      total, sizeof(node_id) + (weighted ? sizeof(double) : 0), where);
  detail::check_host_allocation(
      entry_bytes > SIZE_MAX - offset_bytes ? SIZE_MAX
                                            : offset_bytes + entry_bytes,
      detail::concat(where, ": a graph of ", n, " nodes and ", total,
                     " stored entries"));

  // 3. Count the entries of every row.
  std::vector<edge_offset> offsets;
  detail::assign_checked(offsets, rows, edge_offset{0}, "graph offsets");
  for (std::size_t k = 0; k < m; ++k) {
    if (!keep(k)) continue;
    ++offsets[edges.src[k] + 1];
    if (both && edges.src[k] != edges.dst[k]) ++offsets[edges.dst[k] + 1];
  }
  std::partial_sum(offsets.begin(), offsets.end(), offsets.begin());

  // 4. Scatter the entries into their rows.
  std::vector<node_id> cols;
  std::vector<double> weights;
  std::vector<edge_offset> cursor;
  detail::assign_checked(cols, total, node_id{0}, "graph columns");
  detail::assign_checked(weights, weighted ? total : 0, 0.0, "graph weights");
  detail::assign_checked(cursor, rows - 1, edge_offset{0}, "graph cursors");
  std::copy(offsets.begin(), offsets.end() - 1, cursor.begin());
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

  // 5. Sort every row, merge parallel edges and compact in place.
  cursor = {};
  graph g;
  g.num_nodes_ = n;
  detail::assign_checked(g.row_ptr_, rows, edge_offset{0}, "graph row_ptr");
  std::vector<std::pair<node_id, double>> tmp;
  edge_offset write = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const edge_offset begin = offsets[i];
    const std::int64_t len = sort_and_merge_row(
        i, cols.data() + begin, weighted ? weights.data() + begin : nullptr,
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
  detail::check_argument(num_nodes >= 0, where, "num_nodes", num_nodes, ">= 0");
  if (num_nodes > max_nodes) {
    throw limit_error(detail::concat(where, ": num_nodes = ", num_nodes,
                                     " exceeds the limit of ", max_nodes,
                                     " (32-bit node ids)"));
  }
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
  if (num_nodes_ == 0) return t;
  t.num_nodes_ = num_nodes_;
  detail::assign_checked(t.row_ptr_, row_ptr_.size(), edge_offset{0},
                         "graph::transpose: row_ptr");
  for (node_id j : col_idx_)
    ++t.row_ptr_[j + 1];
  std::partial_sum(t.row_ptr_.begin(), t.row_ptr_.end(), t.row_ptr_.begin());
  detail::assign_checked(t.col_idx_, col_idx_.size(), node_id{0},
                         "graph::transpose: columns");
  detail::assign_checked(t.weights_, weights_.size(), 0.0,
                         "graph::transpose: weights");
  std::vector<edge_offset> cursor;
  detail::assign_checked(cursor, row_ptr_.size() - 1, edge_offset{0},
                         "graph::transpose: cursors");
  std::copy(t.row_ptr_.begin(), t.row_ptr_.end() - 1, cursor.begin());
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
  graph g;
  if (self_loops_ == 0) {
    constexpr const char* what = "graph::without_self_loops: copy";
    detail::copy_checked(g.row_ptr_, row_ptr_, what);
    detail::copy_checked(g.col_idx_, col_idx_, what);
    detail::copy_checked(g.weights_, weights_, what);
    g.num_nodes_ = num_nodes_;
    g.symmetric_ = symmetric_;
    return g;
  }
  g.num_nodes_ = num_nodes_;
  const auto kept = static_cast<std::size_t>(num_edges() - self_loops_);
  detail::assign_checked(g.row_ptr_, row_ptr_.size(), edge_offset{0},
                         "graph::without_self_loops: row_ptr");
  detail::reserve_checked(g.col_idx_, kept,
                          "graph::without_self_loops: columns");
  if (!weights_.empty()) {
    detail::reserve_checked(g.weights_, kept,
                            "graph::without_self_loops: weights");
  }
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
  detail::reserve_checked(e.src, col_idx_.size(), "graph::to_edges: src");
  detail::reserve_checked(e.dst, col_idx_.size(), "graph::to_edges: dst");
  for (std::int64_t i = 0; i < num_nodes_; ++i) {
    for (edge_offset k = row_ptr_[i]; k < row_ptr_[i + 1]; ++k) {
      e.src.push_back(i);
      e.dst.push_back(col_idx_[k]);
    }
  }
  detail::copy_checked(e.weight, weights_, "graph::to_edges: weights");
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
  std::vector<unsigned char> touched;
  detail::assign_checked(touched, static_cast<std::size_t>(s.nodes),
                         static_cast<unsigned char>(0), "compute_stats");
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
