// Fuzz drivers (fuzz_drivers.hpp): readers, then everything downstream,
// each stage checking what the contracts promise about its result.
#include "fuzz_drivers.hpp"

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "gcnops/gcnops.hpp"
#include "random_matrix.hpp"

namespace gcnops::fuzz {

namespace {

namespace fs = std::filesystem;

void require(bool ok, const std::string& what) {
  if (!ok) throw invariant_violation(what);
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The options one input runs under, picked from bits of its hash so that
// the same input always takes the same path.
struct variant {
  std::uint64_t seed = 0;
  graph_options graph;
  normalization norm = normalization::sym;
  double self_loop = 1.0;
  bool require_nonnegative = false;
  bool one_based = false;
  std::int64_t num_nodes = -1;
  bool normalize_features = true;
};

variant pick_variant(std::string_view input) {
  const std::uint64_t h = fnv1a(input);
  constexpr double gammas[] = {1.0, 0.0, 2.5};
  variant v;
  v.seed = h;
  v.graph.make_undirected = (h >> 0) & 1;
  v.graph.drop_duplicates = !((h >> 1) & 1);
  v.graph.drop_self_loops = (h >> 2) & 1;
  v.norm = all_normalizations[(h >> 3) % 3];
  v.self_loop = gammas[(h >> 8) % 3];
  v.require_nonnegative = (h >> 13) & 1;
  v.one_based = (h >> 14) & 1;
  v.num_nodes = ((h >> 15) & 3) == 0 ? 64 : -1;
  v.normalize_features = (h >> 17) & 1;
  return v;
}

// Runs stages in order; the first gcnops::error becomes the outcome.
class stages {
 public:
  explicit stages(std::string scrub = {}) : scrub_(std::move(scrub)) {}

  // Runs fn and returns true when it threw no gcnops::error.
  template <class Fn>
  bool run(Fn&& fn) {
    try {
      fn();
      return true;
    } catch (const error& e) {
      if (result_.accepted) {
        result_.accepted = false;
        result_.error_type = error_type_name(e);
        result_.message = without_scratch(e.what());
      }
      return false;
    }
  }

  const outcome& result() const { return result_; }

 private:
  std::string without_scratch(std::string message) const {
    if (scrub_.empty()) return message;
    for (std::size_t at; (at = message.find(scrub_)) != std::string::npos;) {
      message.replace(at, scrub_.size(), "<folder>");
    }
    return message;
  }

  std::string scrub_;
  outcome result_{.accepted = true};
};

// Matrix Market ------------------------------------------------------------

void check_entries(const sparse_entries& m, const mtx_options& options) {
  const std::size_t stored = m.row.size();
  require(m.col.size() == stored, "row and col arrays differ in length");
  require(m.value.size() == (m.field == mtx_field::pattern ? 0 : stored),
          "value array length does not match the field");
  require(m.rows <= options.max_dimension && m.cols <= options.max_dimension,
          "dimension above max_dimension accepted");
  std::size_t below = 0;
  std::size_t above = 0;
  for (std::size_t k = 0; k < stored; ++k) {
    require(m.row[k] >= 0 && m.row[k] < m.rows, "row index out of shape");
    require(m.col[k] >= 0 && m.col[k] < m.cols, "column index out of shape");
    below += m.row[k] > m.col[k];
    above += m.row[k] < m.col[k];
    if (m.value.empty()) continue;
    const double v = m.value[k];
    require(std::isfinite(v), "non-finite value accepted");
    require(!options.require_nonnegative || v >= 0,
            "negative value accepted under require_nonnegative");
    require(m.field != mtx_field::integer || v == std::floor(v),
            "integer field holds a fraction");
  }
  if (m.symmetry == mtx_symmetry::general) {
    require(stored == static_cast<std::size_t>(m.declared_entries),
            "entry count differs from the declared count");
  } else {
    require(m.rows == m.cols, "symmetric matrix is not square");
    require(below == above, "symmetric entries are not all mirrored");
    require(stored == static_cast<std::size_t>(m.declared_entries) + below,
            "symmetric entry count differs from the declared count");
  }
}

void check_dense(const matrix<float>& d, const sparse_entries& m) {
  require(d.rows() == m.rows && d.cols() == m.cols,
          "dense matrix has the wrong shape");
  std::int64_t nonzero = 0;
  for (float v : d.values()) {
    require(std::isfinite(v), "dense matrix holds a non-finite value");
    nonzero += v != 0.0f;
  }
  require(nonzero <= static_cast<std::int64_t>(m.row.size()),
          "dense matrix has more non-zeros than entries");
  for (std::size_t k = 0; k < m.row.size(); ++k) {
    const float want = m.value.empty() ? 1.0f : static_cast<float>(m.value[k]);
    require(d(m.row[k], m.col[k]) == want, "dense entry differs from file");
  }
}

// Graphs ---------------------------------------------------------------------

// The CSR invariants (from_csr re-checks them all), symmetry, self-loop
// count, transposition and statistics.
void check_graph(const graph& g) {
  const std::vector<edge_offset> row_ptr(g.row_ptr().begin(),
                                         g.row_ptr().end());
  const std::vector<node_id> col(g.col_idx().begin(), g.col_idx().end());
  const std::vector<double> w(g.weights().begin(), g.weights().end());
  try {
    graph::from_csr(g.num_nodes(), row_ptr, col, w);
  } catch (const error& e) {
    throw invariant_violation(std::string("built graph fails from_csr: ") +
                              e.what());
  }

  const graph t = g.transpose();
  const graph tt = t.transpose();
  require(std::ranges::equal(tt.row_ptr(), g.row_ptr()) &&
              std::ranges::equal(tt.col_idx(), g.col_idx()) &&
              std::ranges::equal(tt.weights(), g.weights()),
          "transposing twice changes the graph");
  const bool symmetric = std::ranges::equal(t.col_idx(), g.col_idx()) &&
                         std::ranges::equal(t.row_ptr(), g.row_ptr()) &&
                         std::ranges::equal(t.weights(), g.weights());
  require(symmetric == g.symmetric(), "symmetric() is wrong");

  std::int64_t loops = 0;
  for (std::int64_t i = 0; i < g.num_nodes(); ++i) {
    for (edge_offset k = row_ptr[i]; k < row_ptr[i + 1]; ++k)
      loops += col[k] == i;
  }
  require(loops == g.num_self_loops(), "num_self_loops() is wrong");

  const graph_stats s = compute_stats(g);
  require(s.nodes == g.num_nodes() && s.edges == g.num_edges() &&
              s.self_loops == loops,
          "compute_stats counts differ from the graph");
  require(s.isolated >= 0 && s.isolated <= s.nodes, "isolated out of range");
  require(s.min_degree <= s.max_degree || s.nodes == 0,
          "min_degree above max_degree");
}

// Every kept input edge is stored, nothing else is, and parallel edges are
// merged as the options say: the largest weight, or the sum.
void check_built_from(const graph& g, const edge_list& e,
                      const graph_options& o) {
  if (e.src.size() > 20000) return;  // keeps the fuzzer fast
  std::int64_t largest = -1;
  std::map<std::pair<std::int64_t, std::int64_t>, std::pair<double, double>>
      want;  // (i, j) -> (largest weight, sum of weights)
  auto add = [&](std::int64_t i, std::int64_t j, double w) {
    const auto [it, fresh] = want.try_emplace({i, j}, w, w);
    if (fresh) return;
    it->second.first = std::max(it->second.first, w);
    it->second.second += w;
  };
  for (std::size_t k = 0; k < e.src.size(); ++k) {
    largest = std::max({largest, e.src[k], e.dst[k]});
    if (o.drop_self_loops && e.src[k] == e.dst[k]) continue;
    const double w = e.weight.empty() ? 1.0 : e.weight[k];
    add(e.src[k], e.dst[k], w);
    if (o.make_undirected && e.src[k] != e.dst[k]) add(e.dst[k], e.src[k], w);
  }
  const std::int64_t n = e.num_nodes < 0 ? largest + 1 : e.num_nodes;
  require(g.num_nodes() == n, "graph has the wrong node count");
  require(g.num_edges() == static_cast<std::int64_t>(want.size()),
          "graph stores a different number of edges than given");
  for (std::int64_t i = 0; i < g.num_nodes(); ++i) {
    for (edge_offset k = g.row_ptr()[i]; k < g.row_ptr()[i + 1]; ++k) {
      const auto it = want.find({i, g.col_idx()[k]});
      require(it != want.end(), "graph stores an edge that was not given");
      const double expected =
          o.drop_duplicates ? it->second.first : it->second.second;
      const double got = g.weight(k);
      require(got == expected ||
                  std::abs(got - expected) <= 1e-12 * std::abs(expected),
              "merged weight differs from the graph_options rule");
    }
  }
}

template <class T>
bool all_finite(const matrix<T>& m) {
  return std::all_of(m.values().begin(), m.values().end(),
                     [](T v) { return std::isfinite(v); });
}

// Forward and backward of every operator. Under rw every row of A^ is a
// convex combination (or zero), so finite inputs must give finite results,
// and plain propagation cannot grow the largest magnitude.
template <class T>
void run_operators(const normalized_adjacency& a, const matrix<T>& x,
                   std::uint64_t seed) {
  const std::int64_t n = a.num_nodes();
  const std::int64_t width = x.cols();
  const matrix<T> g = test::random_matrix<T>(n, width, seed + 1);
  const bool rw = a.norm() == normalization::rw;
  double x_max = 0.0;
  for (T v : x.values())
    x_max = std::max(x_max, std::abs(double(v)));

  for (op_kind kind : all_op_kinds) {
    const op_config cfg{.kind = kind};
    matrix<T> y(n, width, T(NAN));
    matrix<T> dx(n, width, T(NAN));
    cpu::op_state state;
    cpu::forward<T>(a, cfg, x, y, &state);
    cpu::backward<T>(a, cfg, state, x, y, g, dx);
    const std::string name(to_string(kind));
    if (!rw) continue;
    if (kind == op_kind::plain) {
      for (T v : y.values()) {
        require(std::abs(double(v)) <= x_max * (1 + 1e-5) + 1e-30,
                "rw plain propagation grew the largest magnitude");
      }
      matrix<T> again(n, width);
      cpu::forward<T>(a, cfg, x, again);
      require(std::ranges::equal(again.values(), y.values()),
              "plain forward is not reproducible");
    }
    if constexpr (std::is_same_v<T, double>) {
      require(all_finite(y), "rw " + name + " forward is not finite");
      require(all_finite(dx), "rw " + name + " backward is not finite");
    }
  }
}

// The normalised adjacency of g and, for small graphs, every operator.
void exercise(const graph& g, const variant& v, const matrix<float>* features) {
  const normalized_adjacency a(g, {.norm = v.norm, .self_loop = v.self_loop});
  const std::int64_t n = a.num_nodes();
  require(static_cast<std::int64_t>(a.degrees().size()) == n,
          "degree array has the wrong length");
  for (std::int64_t i = 0; i < n; ++i) {
    require(std::isfinite(a.degrees()[i]) && a.degrees()[i] >= 0,
            "degree is negative or not finite");
    require(std::isfinite(a.row_scale()[i]) && a.row_scale()[i] >= 0 &&
                std::isfinite(a.col_scale()[i]) && a.col_scale()[i] >= 0,
            "scale is negative or not finite");
  }
  require(std::isfinite(a.frobenius_norm_sq()) && a.frobenius_norm_sq() >= 0,
          "||A^||_F^2 is negative or not finite");
  const double c = a.rescale_constant();
  require(std::isfinite(c) && c > 0, "rescale constant is not finite > 0");
  if (n > kMaxOperatorNodes) return;

  matrix<double> x;
  if (features != nullptr && features->cols() >= 1 && features->cols() <= 16) {
    x = matrix_cast<double, float>(features->view());
  } else {
    x = test::random_matrix<double>(n, 3, v.seed);
  }
  run_operators<double>(a, x, v.seed);
  run_operators<float>(a, matrix_cast<float, double>(x.view()), v.seed);
  (void)cpu::dirichlet_energy<double>(a, x);
}

// Datasets ---------------------------------------------------------------

void check_dataset(const dataset& d) {
  const std::int64_t n = d.num_nodes();
  require(d.features.rows() == n, "features have the wrong row count");
  require(static_cast<std::int64_t>(d.labels.size()) == n,
          "labels have the wrong length");
  require(all_finite(d.features), "features hold a non-finite value");
  std::int32_t largest = -1;
  for (std::int32_t l : d.labels) {
    require(l >= -1, "label below -1");
    largest = std::max(largest, l);
  }
  require(d.num_classes == largest + 1, "num_classes is not 1 + max label");
  std::vector<char> seen(static_cast<std::size_t>(n), 0);
  for (const auto* split : {&d.train, &d.val, &d.test}) {
    for (std::int32_t id : *split) {
      require(id >= 0 && id < n, "split holds a node out of range");
      require(d.labels[id] >= 0, "split holds an unlabelled node");
      require(!seen[id], "splits overlap");
      seen[id] = 1;
    }
  }
}

}  // namespace

scratch_folder::scratch_folder(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a folder from " + pattern);
  }
  path_ = pattern;
}

scratch_folder::~scratch_folder() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

scoped_memory_limit::scoped_memory_limit(std::size_t bytes)
    : saved_(set_host_memory_limit(bytes)) {}

scoped_memory_limit::~scoped_memory_limit() {
  set_host_memory_limit(saved_);
}

const char* error_type_name(const std::exception& e) {
  if (dynamic_cast<const parse_error*>(&e)) return "parse_error";
  if (dynamic_cast<const invalid_argument*>(&e)) return "invalid_argument";
  if (dynamic_cast<const io_error*>(&e)) return "io_error";
  if (dynamic_cast<const limit_error*>(&e)) return "limit_error";
  if (dynamic_cast<const out_of_memory*>(&e)) return "out_of_memory";
  if (dynamic_cast<const non_finite_error*>(&e)) return "non_finite_error";
  if (dynamic_cast<const device_error*>(&e)) return "device_error";
  if (dynamic_cast<const error*>(&e)) return "error";
  return "not a gcnops::error";
}

void write_dataset_folder(const fs::path& folder, std::string_view input) {
  constexpr const char* files[] = {"adjacency.mtx", "labels.txt",
                                   "train.txt",     "val.txt",
                                   "test.txt",      "features.mtx"};
  std::size_t start = 0;
  for (const char* name : files) {
    const fs::path file = folder / name;
    if (start > input.size()) {
      std::error_code ec;
      fs::remove(file, ec);
      continue;
    }
    std::size_t end = input.find('\0', start);
    if (end == std::string_view::npos) end = input.size();
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(input.data() + start, static_cast<std::streamsize>(end - start));
    if (!out) throw std::runtime_error("cannot write " + file.string());
    start = end + 1;
  }
}

outcome drive_matrix_market(std::string_view input) {
  const scoped_memory_limit limit(kMemoryLimit);
  const variant v = pick_variant(input);
  const mtx_options options{.require_nonnegative = v.require_nonnegative,
                            .max_dimension = kMaxDimension};
  stages s;

  // 1. The entries, as read_matrix_market returns them.
  sparse_entries m;
  if (!s.run([&] {
        std::istringstream in{std::string(input)};
        m = read_matrix_market(in, "fuzz.mtx", options);
        check_entries(m, options);
      })) {
    return s.result();
  }

  // 2. As a graph, when square.
  s.run([&] {
    if (m.rows != m.cols) return;
    edge_list e;
    e.num_nodes = m.rows;
    e.src = m.row;
    e.dst = m.col;
    e.weight = m.value;
    const graph g = graph::from_edges(e, v.graph);
    check_graph(g);
    check_built_from(g, e, v.graph);
    exercise(g, v, nullptr);
  });

  // 3. The same text as a dense matrix (refuses repeated entries).
  s.run([&] {
    std::istringstream in{std::string(input)};
    check_dense(read_dense_matrix(in, "fuzz.mtx", options), m);
  });
  return s.result();
}

outcome drive_edge_list(std::string_view input) {
  const scoped_memory_limit limit(kMemoryLimit);
  const variant v = pick_variant(input);
  const edge_list_options options{.one_based = v.one_based,
                                  .num_nodes = v.num_nodes};
  stages s;
  s.run([&] {
    std::istringstream in{std::string(input)};
    const edge_list e = read_edge_list(in, "fuzz.txt", options);
    require(e.dst.size() == e.src.size(), "src and dst differ in length");
    require(e.weight.empty() || e.weight.size() == e.src.size(),
            "weight array has the wrong length");
    const std::int64_t bound = v.num_nodes >= 0 ? v.num_nodes : max_nodes;
    for (std::size_t k = 0; k < e.src.size(); ++k) {
      require(e.src[k] >= 0 && e.src[k] < bound && e.dst[k] >= 0 &&
                  e.dst[k] < bound,
              "node id out of range accepted");
      if (e.weight.empty()) continue;
      require(std::isfinite(e.weight[k]) && e.weight[k] >= 0,
              "negative or non-finite weight accepted");
    }
    const graph g = graph::from_edges(e, v.graph);
    check_graph(g);
    check_built_from(g, e, v.graph);
    exercise(g, v, nullptr);
  });
  return s.result();
}

outcome drive_dataset(std::string_view input) {
  const scoped_memory_limit limit(kMemoryLimit);
  static const scratch_folder folder("gcnops_fuzz");
  const variant v = pick_variant(input);
  write_dataset_folder(folder.path(), input);
  stages s(folder.path().string());
  s.run([&] {
    dataset_options options;
    options.normalize_features = v.normalize_features;
    options.graph = v.graph;
    const dataset d = load_dataset(folder.path(), options);
    check_dataset(d);
    check_graph(d.structure);
    exercise(d.structure, v, &d.features);
  });
  return s.result();
}

const std::vector<std::string>& target_names() {
  static const std::vector<std::string> names = {"matrix_market", "edge_list",
                                                 "dataset"};
  return names;
}

outcome drive(std::string_view target, std::string_view input) {
  if (target == "matrix_market") return drive_matrix_market(input);
  if (target == "edge_list") return drive_edge_list(input);
  if (target == "dataset") return drive_dataset(input);
  throw std::invalid_argument("unknown fuzz target '" + std::string(target) +
                              "'");
}

}  // namespace gcnops::fuzz
