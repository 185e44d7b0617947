// Dataset folders and synthetic generators (gcnops/dataset.hpp).
#include "gcnops/dataset.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <numeric>

#include "allocation.hpp"
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
  const std::string what_arrays = detail::concat(path.string(), ": values");
  std::string_view line;
  while (in.next(line)) {
    const auto tokens = detail::split_tokens(line);
    if (tokens.empty()) continue;
    if (tokens.size() != 1) {
      throw parse_error(in.source(), in.line(),
                        detail::concat("line has ", tokens.size(),
                                       " values, expected one ", what));
    }
    detail::append_checked(
        out, {detail::parse_integer(in, tokens[0], what, min, max), in.line()},
        what_arrays);
  }
  return out;
}

constexpr const char* kSplitFiles[] = {"train.txt", "val.txt", "test.txt"};

// Reads split file `split` (an index into kSplitFiles) and checks that its
// nodes exist, are labelled and are listed once, and that no earlier split
// claimed them; owner[i] is 1 + the split that holds node i, or 0.
std::vector<std::int32_t> read_split(const fs::path& folder, int split,
                                     std::int64_t n,
                                     const std::vector<std::int32_t>& labels,
                                     std::vector<std::uint8_t>& owner) {
  const fs::path path = folder / kSplitFiles[split];
  const auto ids =
      read_integer_lines(path, 0, std::max<std::int64_t>(n - 1, 0), "node id");
  std::vector<std::int32_t> out;
  detail::reserve_checked(out, ids.size(), "load_dataset: split");
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
    if (owner[id] != 0) {
      throw parse_error(path.string(), line,
                        detail::concat("node ", id, " is already listed in ",
                                       kSplitFiles[owner[id] - 1],
                                       ", expected splits without repeats"));
    }
    owner[id] = static_cast<std::uint8_t>(split + 1);
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
  // 1. Every row's sum, and a check that dividing by it stays finite, so
  // that a refused matrix is left exactly as it was.
  std::vector<double> sums;
  detail::assign_checked(sums, static_cast<std::size_t>(m.rows()), 0.0,
                         "normalize_rows: row sums");
  for (std::int64_t i = 0; i < m.rows(); ++i) {
    const float* row = m.row(i);
    double largest = 0.0;
    for (std::int64_t f = 0; f < m.cols(); ++f) {
      sums[i] += row[f];
      largest = std::max(largest, std::abs(double(row[f])));
    }
    if (sums[i] != 0.0 && !(largest / std::abs(sums[i]) <= FLT_MAX)) {
      throw invalid_argument(detail::concat(
          "normalize_rows: row ", i, " sums to ", sums[i],
          " while holding a value of magnitude ", largest,
          "; dividing by the sum overflows a float, expected rows whose sum "
          "is 0 or not much smaller than their entries"));
    }
  }

  // 2. Divide.
  for (std::int64_t i = 0; i < m.rows(); ++i) {
    if (sums[i] == 0.0) continue;
    float* row = m.row(i);
    for (std::int64_t f = 0; f < m.cols(); ++f) {
      row[f] = static_cast<float>(row[f] / sums[i]);
    }
  }
}

void validate(const dataset& d) {
  constexpr const char* where = "validate(dataset)";
  const std::int64_t n = d.num_nodes();

  // 1. Shapes: one feature row and one label per node.
  detail::check_argument(d.features.rows() == n, where, "features.rows()",
                         d.features.rows(),
                         detail::concat(n, " (one per node)"));
  detail::check_argument(static_cast<std::int64_t>(d.labels.size()) == n, where,
                         "labels.size()", d.labels.size(),
                         detail::concat(n, " (one per node)"));
  for (std::int64_t k = 0; k < d.features.size(); ++k) {
    const float v = d.features.data()[k];
    if (std::isfinite(v)) continue;
    const std::int64_t cols = d.features.cols();
    detail::check_argument(
        false, where,
        detail::concat("features(", k / cols, ", ", k % cols, ")"), v,
        "a finite value");
  }

  // 2. Labels within the class count.
  detail::check_argument(d.num_classes >= 0, where, "num_classes",
                         d.num_classes, ">= 0");
  for (std::size_t i = 0; i < d.labels.size(); ++i) {
    const std::int32_t l = d.labels[i];
    detail::check_argument(l >= -1 && l < d.num_classes, where,
                           detail::concat("labels[", i, "]"), l,
                           detail::concat("-1 (unlabelled) or a class in [0, ",
                                          d.num_classes, ")"));
  }

  // 3. Splits: existing, labelled nodes, each in at most one split.
  std::vector<std::uint8_t> owner;
  detail::assign_checked(owner, static_cast<std::size_t>(n), std::uint8_t{0},
                         "validate(dataset): split owners");
  const std::pair<const char*, const std::vector<std::int32_t>*> splits[] = {
      {"train", &d.train}, {"val", &d.val}, {"test", &d.test}};
  for (int s = 0; s < 3; ++s) {
    const auto& [name, ids] = splits[s];
    for (std::size_t k = 0; k < ids->size(); ++k) {
      const std::int32_t id = (*ids)[k];
      const std::string arg = detail::concat(name, "[", k, "]");
      detail::check_argument(id >= 0 && id < n, where, arg, id,
                             detail::concat("a node id in [0, ", n, ")"));
      detail::check_argument(d.labels[id] >= 0, where, arg, id,
                             "a labelled node (its label is -1)");
      detail::check_argument(
          owner[id] == 0, where, arg, id,
          detail::concat("a node in no other split (it is in ",
                         owner[id] ? splits[owner[id] - 1].first : "", ")"));
      owner[id] = static_cast<std::uint8_t>(s + 1);
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
  // TODO: stored densely; a large sparse feature file is refused by the
  // memory limit rather than kept sparse.
  const fs::path features = folder / "features.mtx";
  if (fs::exists(features, ec)) {
    d.features = read_dense_matrix(features);
    if (d.features.rows() != n) {
      throw parse_error(
          features.string(), 0,
          detail::concat("has ", d.features.rows(), " rows, expected ", n,
                         " (the nodes of adjacency.mtx)"));
    }
    if (options.normalize_features) {
      try {
        normalize_rows(d.features);
      } catch (const invalid_argument& e) {
        throw parse_error(features.string(), 0, e.what());
      }
    }
  } else {
    d.features = matrix<float>(n, 0);
  }

  // 3. Labels: one per node, below INT32_MAX so that 1 + the largest (the
  // class count) fits std::int32_t.
  const fs::path label_path = folder / "labels.txt";
  const auto labels =
      read_integer_lines(label_path, -1, INT32_MAX - 1, "label");
  if (static_cast<std::int64_t>(labels.size()) != n) {
    throw parse_error(
        label_path.string(), 0,
        detail::concat("has ", labels.size(), " labels, expected ", n,
                       " (one per node of adjacency.mtx)"));
  }
  detail::reserve_checked(d.labels, labels.size(), "load_dataset: labels");
  std::int32_t largest = -1;
  for (const auto& l : labels) {
    d.labels.push_back(static_cast<std::int32_t>(l.value));
    largest = std::max(largest, d.labels.back());
  }
  d.num_classes = largest + 1;

  // 4. Splits, disjoint.
  std::vector<std::uint8_t> owner;
  detail::assign_checked(owner, static_cast<std::size_t>(n), std::uint8_t{0},
                         "load_dataset: split owners");
  d.train = read_split(folder, 0, n, d.labels, owner);
  d.val = read_split(folder, 1, n, d.labels, owner);
  d.test = read_split(folder, 2, n, d.labels, owner);
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

  // 0. What the whole build needs, checked before anything is allocated:
  // four arrays of N node ids, the features and the expected edges. Class
  // k holds the t in [0, N) with t C / N = k: ceil((k+1) N / C) -
  // ceil(k N / C) nodes.
  const std::int64_t n = o.nodes;
  auto class_size = [&](std::int64_t k) {
    auto ceil_div = [](std::int64_t a, std::int64_t b) {
      return (a + b - 1) / b;
    };
    return ceil_div((k + 1) * n, o.classes) - ceil_div(k * n, o.classes);
  };
  auto pairs_of = [&](std::int32_t a, std::int32_t b) {
    const std::int64_t sa = class_size(a);
    return a == b ? sa * (sa - 1) / 2 : sa * class_size(b);
  };
  double expected = 0.0;
  for (std::int32_t a = 0; a < o.classes; ++a) {
    for (std::int32_t b = a; b < o.classes; ++b) {
      expected += (a == b ? o.p_intra : o.p_inter) * double(pairs_of(a, b));
    }
  }
  const double bytes = 16.0 * double(n) + 4.0 * double(n) * double(o.features) +
                       2.0 * sizeof(std::int64_t) * expected;
  detail::check_host_allocation(
      bytes >= 0x1p63 ? SIZE_MAX : static_cast<std::size_t>(bytes),
      detail::concat(where, ": ", n, " nodes, ", o.features,
                     " features and about ", expected, " edges"));

  rng gen(o.seed);
  auto shuffled = [&] {
    std::vector<std::int32_t> p;
    detail::assign_checked(p, static_cast<std::size_t>(n), std::int32_t{0},
                           "make_csbm: node order");
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
  detail::assign_checked(d.labels, static_cast<std::size_t>(n), std::int32_t{0},
                         "make_csbm: labels");
  std::vector<std::vector<std::int32_t>> members(o.classes);
  const std::vector<std::int32_t> order = shuffled();
  for (std::int64_t t = 0; t < n; ++t) {
    const auto k = static_cast<std::int32_t>(t * o.classes / n);
    d.labels[order[t]] = k;
    detail::append_checked(members[k], order[t], "make_csbm: class members");
  }

  // 2. Edges block by block, skipping geometrically between successes so
  // that the cost is O(N + E) rather than O(N^2).
  edge_list e;
  e.num_nodes = n;
  constexpr const char* kEdges = "make_csbm: edge arrays";
  for (std::int32_t a = 0; a < o.classes; ++a) {
    for (std::int32_t b = a; b < o.classes; ++b) {
      const double p = a == b ? o.p_intra : o.p_inter;
      if (p <= 0) continue;
      const auto sb = static_cast<std::int64_t>(members[b].size());
      const std::int64_t pairs = pairs_of(a, b);
      const double log_q = std::log1p(-p);
      for (std::int64_t idx = -1;;) {
        // The gap to the next edge stays a double until it is known to
        // land inside the block: for a tiny p it exceeds any integer.
        const double u = 1.0 - gen.uniform();  // (0, 1]
        const double gap = p >= 1 ? 1.0 : 1.0 + std::floor(std::log(u) / log_q);
        if (!(gap < static_cast<double>(pairs - idx))) break;
        idx += static_cast<std::int64_t>(gap);
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
        detail::append_checked(e.src, u_node, kEdges);
        detail::append_checked(e.dst, v_node, kEdges);
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
  const auto cut = [&](std::vector<std::int32_t>& out, std::int64_t from,
                       std::int64_t to) {
    detail::reserve_checked(out, static_cast<std::size_t>(to - from),
                            "make_csbm: split");
    out.assign(split.begin() + from, split.begin() + to);
  };
  cut(d.train, 0, n_train);
  cut(d.val, n_train, n_train + n_val);
  cut(d.test, n_train + n_val, n);
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
  const double edges = o.edge_factor * static_cast<double>(n);
  if (!(edges <= 0x1p62)) {
    throw limit_error(
        detail::concat(where, ": edge_factor * 2^scale = ", edges,
                       " edges, more than the 2^62 an edge list can index"));
  }
  const auto m = static_cast<std::int64_t>(std::llround(edges));
  detail::check_host_allocation(
      detail::checked_bytes(static_cast<std::size_t>(m),
                            2 * sizeof(std::int64_t), where),
      "make_rmat edge list");

  // 1. Each edge descends `scale` levels of the 2x2 partition; draws are
  // counter-based (edge k, level l), so the loop runs in parallel and the
  // result does not depend on the thread count.
  edge_list e;
  e.num_nodes = n;
  detail::assign_checked(e.src, static_cast<std::size_t>(m), std::int64_t{0},
                         "make_rmat: edge list");
  detail::assign_checked(e.dst, static_cast<std::size_t>(m), std::int64_t{0},
                         "make_rmat: edge list");
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
    std::vector<std::int64_t> perm;
    detail::assign_checked(perm, static_cast<std::size_t>(n), std::int64_t{0},
                           "make_rmat: permutation");
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
