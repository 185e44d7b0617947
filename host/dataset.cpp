// Dataset folders and synthetic generators (gcnops/dataset.hpp).
#include "gcnops/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include "gcnops/error.hpp"
#include "gcnops/io.hpp"
#include "gcnops/random.hpp"
#include "text_input.hpp"

namespace gcnops {

namespace {

namespace fs = std::filesystem;

struct numbered_value {
  std::int64_t value;
  std::uint64_t line;
};

// One integer in [min, max] per non-blank line.
std::vector<numbered_value> read_integer_lines(const fs::path& path,
                                               std::int64_t min,
                                               std::int64_t max,
                                               std::string_view what) {
  std::ifstream file = detail::open_input(path);
  detail::line_reader in(file, path.string());
  std::vector<numbered_value> out;
  std::string_view line;
  while (in.next(line)) {
    const auto tokens = detail::split_tokens(line);
    if (tokens.empty()) continue;
    if (tokens.size() != 1) {
      throw parse_error(in.source(), in.line(),
                        detail::concat("line has ", tokens.size(),
                                       " values, expected one ", what));
    }
    out.push_back(
        {detail::parse_integer(in, tokens[0], what, min, max), in.line()});
  }
  return out;
}

// Reads a split file and checks that its nodes exist, are labelled and are
// listed once, and that no earlier split claimed them.
std::vector<std::int32_t> read_split(const fs::path& path, std::int64_t n,
                                     const std::vector<std::int32_t>& labels,
                                     std::vector<std::string>& owner) {
  const auto ids =
      read_integer_lines(path, 0, std::max<std::int64_t>(n - 1, 0), "node id");
  std::vector<std::int32_t> out;
  out.reserve(ids.size());
  const std::string name = path.filename().string();
  for (const auto& [id, line] : ids) {
    if (id >= n) {
      throw parse_error(path.string(), line,
                        detail::concat("node id ", id,
                                       " is out of range, "
                                       "the graph has no nodes"));
    }
    if (labels[id] < 0) {
      throw parse_error(path.string(), line,
                        detail::concat("node ", id,
                                       " has no label (-1 in "
                                       "labels.txt), expected a labelled "
                                       "node"));
    }
    if (!owner[id].empty()) {
      throw parse_error(
          path.string(), line,
          detail::concat("node ", id, " is already listed in ", owner[id],
                         ", expected splits without repeats"));
    }
    owner[id] = name;
    out.push_back(static_cast<std::int32_t>(id));
  }
  return out;
}

void check_fraction(double v, const char* name) {
  detail::check_argument(v >= 0 && v <= 1, "make_csbm", name, v,
                         "a value in [0, 1]");
}

}  // namespace

void normalize_rows(matrix<float>& m) {
  for (std::int64_t i = 0; i < m.rows(); ++i) {
    float* row = m.row(i);
    double sum = 0.0;
    for (std::int64_t f = 0; f < m.cols(); ++f)
      sum += row[f];
    if (sum == 0.0) continue;
    for (std::int64_t f = 0; f < m.cols(); ++f) {
      row[f] = static_cast<float>(row[f] / sum);
    }
  }
}

dataset load_dataset(const fs::path& folder, const dataset_options& options) {
  std::error_code ec;
  if (!fs::exists(folder, ec)) {
    throw io_error(detail::concat(folder.string(), ": no such dataset folder"));
  }
  if (!fs::is_directory(folder, ec)) {
    throw io_error(detail::concat(folder.string(),
                                  ": is not a folder, expected a dataset "
                                  "folder holding adjacency.mtx"));
  }
  dataset d;
  d.name = (folder.filename().empty() ? folder.parent_path() : folder)
               .filename()
               .string();

  // 1. Graph.
  d.structure = read_graph(folder / "adjacency.mtx", options.graph);
  const std::int64_t n = d.structure.num_nodes();

  // 2. Features, optional.
  const fs::path features = folder / "features.mtx";
  if (fs::exists(features, ec)) {
    d.features = read_dense_matrix(features);
    if (d.features.rows() != n) {
      throw parse_error(
          features.string(), 0,
          detail::concat("has ", d.features.rows(), " rows, expected ", n,
                         " (the nodes of adjacency.mtx)"));
    }
    if (options.normalize_features) normalize_rows(d.features);
  } else {
    d.features = matrix<float>(n, 0);
  }

  // 3. Labels: one per node.
  const fs::path label_path = folder / "labels.txt";
  const auto labels = read_integer_lines(label_path, -1, INT32_MAX, "label");
  if (static_cast<std::int64_t>(labels.size()) != n) {
    throw parse_error(
        label_path.string(), 0,
        detail::concat("has ", labels.size(), " labels, expected ", n,
                       " (one per node of adjacency.mtx)"));
  }
  d.labels.reserve(labels.size());
  std::int32_t largest = -1;
  for (const auto& l : labels) {
    d.labels.push_back(static_cast<std::int32_t>(l.value));
    largest = std::max(largest, d.labels.back());
  }
  d.num_classes = largest + 1;

  // 4. Splits, disjoint.
  std::vector<std::string> owner(static_cast<std::size_t>(n));
  d.train = read_split(folder / "train.txt", n, d.labels, owner);
  d.val = read_split(folder / "val.txt", n, d.labels, owner);
  d.test = read_split(folder / "test.txt", n, d.labels, owner);
  return d;
}

dataset make_csbm(const csbm_options& o) {
  constexpr const char* where = "make_csbm";
  detail::check_argument(o.nodes >= 1 && o.nodes <= max_nodes, where, "nodes",
                         o.nodes, detail::concat("[1, ", max_nodes, "]"));
  detail::check_argument(o.classes >= 1 && o.classes <= o.nodes, where,
                         "classes", o.classes, "[1, nodes]");
  check_fraction(o.p_intra, "p_intra");
  check_fraction(o.p_inter, "p_inter");
  detail::check_argument(std::isfinite(o.signal), where, "signal", o.signal,
                         "a finite value");
  detail::check_argument(o.features >= 1, where, "features", o.features,
                         ">= 1");
  check_fraction(o.train_fraction, "train_fraction");
  check_fraction(o.val_fraction, "val_fraction");
  detail::check_argument(o.train_fraction + o.val_fraction <= 1, where,
                         "train_fraction + val_fraction",
                         o.train_fraction + o.val_fraction, "<= 1");

  rng gen(o.seed);
  const std::int64_t n = o.nodes;
  auto shuffled = [&] {
    std::vector<std::int32_t> p(static_cast<std::size_t>(n));
    std::iota(p.begin(), p.end(), 0);
    for (std::int64_t i = n - 1; i > 0; --i) {
      std::swap(p[i], p[gen.below(static_cast<std::uint64_t>(i) + 1)]);
    }
    return p;
  };

  // 1. Balanced classes over a random order of the nodes.
  dataset d;
  d.name = "csbm";
  d.num_classes = o.classes;
  d.labels.assign(static_cast<std::size_t>(n), 0);
  std::vector<std::vector<std::int32_t>> members(o.classes);
  const std::vector<std::int32_t> order = shuffled();
  for (std::int64_t t = 0; t < n; ++t) {
    const auto k = static_cast<std::int32_t>(t * o.classes / n);
    d.labels[order[t]] = k;
    members[k].push_back(order[t]);
  }

  // 2. Edges block by block, skipping geometrically between successes so
  // that the cost is O(N + E) rather than O(N^2).
  edge_list e;
  e.num_nodes = n;
  for (std::int32_t a = 0; a < o.classes; ++a) {
    for (std::int32_t b = a; b < o.classes; ++b) {
      const double p = a == b ? o.p_intra : o.p_inter;
      if (p <= 0) continue;
      const auto sa = static_cast<std::int64_t>(members[a].size());
      const auto sb = static_cast<std::int64_t>(members[b].size());
      const std::int64_t pairs = a == b ? sa * (sa - 1) / 2 : sa * sb;
      const double log_q = std::log1p(-p);
      for (std::int64_t idx = -1;;) {
        const double u = 1.0 - gen.uniform();  // (0, 1]
        idx += p >= 1 ? 1
                      : 1 + static_cast<std::int64_t>(
                                std::floor(std::log(u) / log_q));
        if (idx >= pairs || idx < 0) break;
        std::int64_t u_node = 0;
        std::int64_t v_node = 0;
        if (a == b) {
          // idx enumerates pairs (x < y) by y: idx = y (y - 1) / 2 + x.
          auto y = static_cast<std::int64_t>(
              (1.0 + std::sqrt(1.0 + 8.0 * static_cast<double>(idx))) / 2.0);
          while (y * (y - 1) / 2 > idx)
            --y;
          while ((y + 1) * y / 2 <= idx)
            ++y;
          u_node = members[a][idx - y * (y - 1) / 2];
          v_node = members[a][y];
        } else {
          u_node = members[a][idx / sb];
          v_node = members[b][idx % sb];
        }
        e.src.push_back(u_node);
        e.dst.push_back(v_node);
      }
    }
  }
  d.structure = graph::from_edges(e, {.make_undirected = true});

  // 3. Features: a Gaussian mean per class plus unit Gaussian noise.
  matrix<double> means(o.classes, o.features);
  for (double& v : means.values())
    v = gen.normal();
  d.features = matrix<float>(n, o.features);
  for (std::int64_t i = 0; i < n; ++i) {
    const double* m = means.row(d.labels[i]);
    for (std::int64_t f = 0; f < o.features; ++f) {
      d.features(i, f) = static_cast<float>(o.signal * m[f] + gen.normal());
    }
  }

  // 4. Random train / val / test split.
  const std::vector<std::int32_t> split = shuffled();
  const auto n_train = static_cast<std::int64_t>(o.train_fraction * n);
  const auto n_val = static_cast<std::int64_t>(o.val_fraction * n);
  d.train.assign(split.begin(), split.begin() + n_train);
  d.val.assign(split.begin() + n_train, split.begin() + n_train + n_val);
  d.test.assign(split.begin() + n_train + n_val, split.end());
  return d;
}

graph make_rmat(const rmat_options& o) {
  constexpr const char* where = "make_rmat";
  detail::check_argument(o.scale >= 0 && o.scale <= 30, where, "scale", o.scale,
                         "[0, 30] (2^scale nodes fit 32-bit ids)");
  detail::check_argument(std::isfinite(o.edge_factor) && o.edge_factor >= 0,
                         where, "edge_factor", o.edge_factor,
                         "a finite value >= 0");
  for (const auto& [name, v] :
       {std::pair{"a", o.a}, {"b", o.b}, {"c", o.c}, {"d", o.d}}) {
    detail::check_argument(v >= 0 && v <= 1, where, name, v, "[0, 1]");
  }
  const double total = o.a + o.b + o.c + o.d;
  detail::check_argument(std::abs(total - 1.0) < 1e-9, where, "a + b + c + d",
                         total, "1");

  const std::int64_t n = std::int64_t{1} << o.scale;
  const auto m = static_cast<std::int64_t>(
      std::llround(o.edge_factor * static_cast<double>(n)));
  detail::check_host_allocation(
      detail::checked_bytes(static_cast<std::size_t>(m),
                            2 * sizeof(std::int64_t), where),
      "make_rmat edge list");

  // 1. Each edge descends `scale` levels of the 2x2 partition; draws are
  // counter-based (edge k, level l), so the loop runs in parallel and the
  // result does not depend on the thread count.
  edge_list e;
  e.num_nodes = n;
  e.src.resize(static_cast<std::size_t>(m));
  e.dst.resize(static_cast<std::size_t>(m));
  const double ab = o.a + o.b;
  const double abc = ab + o.c;
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < m; ++k) {
    std::int64_t u = 0;
    std::int64_t v = 0;
    for (int level = 0; level < o.scale; ++level) {
      const double r = hash_uniform(o.seed, static_cast<std::uint64_t>(k),
                                    static_cast<std::uint64_t>(level));
      const std::int64_t bit = std::int64_t{1} << level;
      if (r >= abc) {
        u |= bit;
        v |= bit;
      } else if (r >= ab) {
        u |= bit;
      } else if (r >= o.a) {
        v |= bit;
      }
    }
    e.src[k] = u;
    e.dst[k] = v;
  }

  // 2. Shuffle node ids so that degree is not tied to id.
  if (o.permute && n > 1) {
    rng gen(mix64(o.seed));
    std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
    std::iota(perm.begin(), perm.end(), 0);
    for (std::int64_t i = n - 1; i > 0; --i) {
      std::swap(perm[i], perm[gen.below(static_cast<std::uint64_t>(i) + 1)]);
    }
#pragma omp parallel for schedule(static)
    for (std::int64_t k = 0; k < m; ++k) {
      e.src[k] = perm[e.src[k]];
      e.dst[k] = perm[e.dst[k]];
    }
  }
  return graph::from_edges(e, o.graph);
}

}  // namespace gcnops
