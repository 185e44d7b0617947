// The cases of the bad-input table (bad_inputs.hpp).
#include "bad_inputs.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string_view>

#include "fuzz_drivers.hpp"
#include "gcnops/gcnops.hpp"

namespace gcnops::test {

namespace {

namespace fs = std::filesystem;
using fuzz::scoped_memory_limit;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A folder for the file and dataset cases, removed at exit.
const fs::path& scratch() {
  static const fuzz::scratch_folder folder("gcnops_bad_inputs");
  return folder.path();
}

// Readers over text --------------------------------------------------------

void mtx(const std::string& text, const mtx_options& options = {}) {
  std::istringstream in(text);
  read_matrix_market(in, "input.mtx", options);
}

void dense(const std::string& text) {
  std::istringstream in(text);
  read_dense_matrix(in, "input.mtx");
}

void edges(const std::string& text, const edge_list_options& options = {}) {
  std::istringstream in(text);
  read_edge_list(in, "input.txt", options);
}

fs::path write_file(const std::string& name, const std::string& text) {
  const fs::path path = scratch() / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return path;
}

const std::string kBanner = "%%MatrixMarket matrix coordinate ";

// Dataset folders: a valid four-node folder with one file replaced.
struct folder_files {
  std::string adjacency = kBanner + "pattern symmetric\n4 4 3\n2 1\n3 2\n4 3\n";
  std::string labels = "0\n1\n1\n-1\n";
  std::string train = "0\n";
  std::string val = "1\n";
  std::string test = "2\n";
  std::string features =
      kBanner + "real general\n4 2 4\n1 1 1\n2 2 3\n3 1 1\n3 2 1\n";
};

void load(const folder_files& f) {
  const std::string parts[] = {f.adjacency, f.labels, f.train,
                               f.val,       f.test,   f.features};
  std::string joined = parts[0];
  for (std::size_t k = 1; k < std::size(parts); ++k) {
    joined += '\0';
    joined += parts[k];
  }
  const fs::path folder = scratch() / "dataset";
  fs::create_directories(folder);
  fuzz::write_dataset_folder(folder, joined);
  load_dataset(folder);
}

// Text that read_matrix_market (default options) must refuse.
bad_input mtx_case(std::string input, std::string text,
                   std::vector<std::string> needles) {
  return {"read_matrix_market", std::move(input), "parse_error",
          std::move(needles), [text] { mtx(text); }};
}

// Text that read_edge_list (default options) must refuse.
bad_input edges_case(std::string input, std::string text,
                     std::vector<std::string> needles) {
  return {"read_edge_list", std::move(input), "parse_error", std::move(needles),
          [text] { edges(text); }};
}

// A folder that load_dataset must refuse: the valid one with `file`
// replaced by `text`.
bad_input folder_case(std::string input, std::string folder_files::*file,
                      std::string text, std::vector<std::string> needles) {
  return {"load_dataset", std::move(input), "parse_error", std::move(needles),
          [file, text] {
            folder_files f;
            f.*file = text;
            load(f);
          }};
}

// Graphs and operators ----------------------------------------------------

// A path over nine nodes, undirected.
graph path9() {
  edge_list e;
  for (std::int64_t i = 0; i + 1 < 9; ++i) {
    e.src.push_back(i);
    e.dst.push_back(i + 1);
  }
  return graph::from_edges(e, {.make_undirected = true});
}

void forward9(const op_config& cfg, std::int64_t x_rows = 9,
              std::int64_t width = 3, std::int64_t y_width = 3) {
  const normalized_adjacency a(path9());
  matrix<double> x(x_rows, width < 0 ? 0 : width, 1.0);
  matrix<double> y(9, y_width, 0.0);
  cpu::forward<double>(a, cfg, x, y);
}

void forward_view(matrix_view<const double> x) {
  const normalized_adjacency a(path9());
  matrix<double> y(9, 3);
  cpu::forward<double>(a, {}, x, y);
}

void backward_with_state_of(op_kind forward_kind, op_kind backward_kind,
                            std::int64_t backward_width) {
  const normalized_adjacency a(path9());
  matrix<double> x(9, 3, 1.0), y(9, 3);
  cpu::op_state st;
  cpu::forward<double>(a, {.kind = forward_kind}, x, y, &st);
  matrix<double> x2(9, backward_width, 1.0), y2(9, backward_width, 1.0);
  matrix<double> g(9, backward_width, 1.0), dx(9, backward_width);
  cpu::backward<double>(a, {.kind = backward_kind}, st, x2, y2, g, dx);
}

// An op_config that cpu::forward must refuse.
bad_input config_case(std::string input, op_config cfg,
                      std::vector<std::string> needles) {
  return {"op_config", std::move(input), "invalid_argument", std::move(needles),
          [cfg] { forward9(cfg); }};
}

// A dataset in memory that validate() accepts, before one change.
dataset small_dataset() {
  dataset d;
  d.structure = graph::from_edges(
      edge_list{.num_nodes = 4, .src = {0, 1}, .dst = {1, 2}});
  d.features = matrix<float>(4, 2, 0.5f);
  d.labels = {0, 1, 1, -1};
  d.num_classes = 2;
  d.train = {0};
  d.val = {1};
  d.test = {2};
  return d;
}

template <class Change>
void validate_changed(Change change) {
  dataset d = small_dataset();
  change(d);
  validate(d);
}

std::vector<bad_input> make_cases() {
  using v = std::vector<std::string>;
  const std::string pg = kBanner + "pattern general\n";
  const std::string rg = kBanner + "real general\n";
  return {
      // Matrix Market text.
      mtx_case("empty input", "",
               v{"input.mtx", "empty file", "%%MatrixMarket"}),
      mtx_case("no banner: `3 3 1`", "3 3 1\n1 1\n",
               v{"input.mtx:1", "found '3 3 1'", "'%%MatrixMarket'"}),
      mtx_case("banner `matrix array real general`",
               "%%MatrixMarket matrix array real general\n2 2\n",
               v{"format 'array'", "'coordinate'"}),
      mtx_case("field `complex`", kBanner + "complex general\n",
               v{"field 'complex'", "'pattern', 'real' or 'integer'"}),
      mtx_case("symmetry `hermitian`", kBanner + "real hermitian\n",
               v{"symmetry 'hermitian'", "'general' or 'symmetric'"}),
      mtx_case("size line `3 3`", pg + "3 3\n",
               v{"input.mtx:2", "2 values, expected 3"}),
      mtx_case("size line `-3 3 1`", pg + "-3 3 1\n",
               v{"row count -3", ">= 0"}),
      {"read_matrix_market", "size `99999999999999999999 1 1`", "limit_error",
       v{"input.mtx:2", "99999999999999999999", "64-bit integer"},
       [=] { mtx(pg + "99999999999999999999 1 1\n"); }},
      mtx_case("`2 2 5`: more entries than cells", pg + "2 2 5\n",
               v{"5 entries declared", "2 x 2"}),
      mtx_case("entry `0 1` (indices are 1-based)", pg + "3 4 1\n0 1\n",
               v{"input.mtx:3", "row index 0", "[1, 3]"}),
      mtx_case("entry `1 5` in a 3 x 4 matrix", pg + "3 4 1\n1 5\n",
               v{"column index 5", "[1, 4]"}),
      mtx_case("2 of 3 declared entries", pg + "3 3 3\n1 1\n2 2\n",
               v{"ends after 2 of the 3 entries", "line 2"}),
      mtx_case("2 entries, 1 declared", pg + "3 3 1\n1 1\n2 2\n",
               v{"input.mtx:4", "more entries than the 1 declared"}),
      mtx_case("symmetric file with entry `1 2`",
               kBanner + "pattern symmetric\n3 3 1\n1 2\n",
               v{"(1, 2)", "above the diagonal", "lower triangle"}),
      mtx_case("value `nan`", rg + "2 2 1\n1 1 nan\n",
               v{"value 'nan'", "expected a finite number"}),
      mtx_case("value `1e400`", rg + "2 2 1\n1 1 1e400\n",
               v{"value '1e400'", "expected a finite number"}),
      mtx_case("value `+-5`", rg + "2 2 1\n1 1 +-5\n",
               v{"value '+-5' is not a number"}),
      mtx_case("integer field, value `2.5`",
               kBanner + "integer general\n1 1 1\n1 1 2.5\n",
               v{"value '2.5' is not an integer"}),
      mtx_case("a NUL byte", std::string("%%MatrixMarket\0 x", 17),
               v{"input.mtx:1", "NUL byte"}),
      mtx_case("a 2 MiB line", std::string(2u << 20, 'x'),
               v{"input.mtx:1", "longer than 1048576 bytes"}),
      {"read_matrix_market", "3000000000 rows, max_dimension = max_nodes",
       "limit_error", v{"3000000000 x 3000000000", "2147483647"},
       [=] {
         mtx(pg + "3000000000 3000000000 1\n1 1\n",
             {.max_dimension = max_nodes});
       }},
      {"read_matrix_market", "negative value, require_nonnegative",
       "parse_error", v{"value -1 is negative", ">= 0"},
       [=] { mtx(rg + "2 2 1\n1 2 -1\n", {.require_nonnegative = true}); }},
      {"read_dense_matrix", "entry (1, 2) listed twice", "parse_error",
       v{"entry (1, 2) appears more than once"},
       [=] { dense(rg + "2 2 2\n1 2 0\n1 2 3\n"); }},
      {"read_dense_matrix", "value `1e300`", "parse_error",
       v{"entry (1, 1) = 1e+300", "does not fit a float"},
       [=] { dense(rg + "1 1 1\n1 1 1e300\n"); }},
      {"read_dense_matrix", "2000000000 x 2000000000 declared", "out_of_memory",
       v{"2000000000 x 2000000000", "refusing to allocate"},
       [=] { dense(rg + "2000000000 2000000000 1\n1 1 1\n"); }},
      {"read_graph", "a 2 x 3 adjacency file", "parse_error",
       v{"adjacency matrix is 2 x 3", "square"},
       [=] { read_graph(write_file("rect.mtx", pg + "2 3 1\n1 3\n")); }},
      {"read_graph", "a missing file", "io_error",
       v{"nope.mtx", "no such file"},
       [] { read_graph(scratch() / "nope.mtx"); }},
      {"read_graph", "a directory", "io_error",
       v{"is a directory, expected a file"}, [] { read_graph(scratch()); }},

      // Edge lists.
      edges_case("line `0`", "0\n",
                 v{"input.txt:1", "1 values", "'src dst' or 'src dst weight'"}),
      edges_case("line `0 1 2 3`", "0 1 2 3\n", v{"4 values"}),
      edges_case("line `0 -1`", "0 -1\n",
                 v{"target id -1 is out of range", "[0, 2147483646]"}),
      edges_case("line `a b`", "a b\n", v{"source id 'a' is not an integer"}),
      {"read_edge_list", "line `0 7`, num_nodes = 5", "parse_error",
       v{"target id 7", "[0, 4]"}, [] { edges("0 7\n", {.num_nodes = 5}); }},
      {"read_edge_list", "line `0 1`, one_based", "parse_error",
       v{"source id 0", "[1, 2147483647]"},
       [] { edges("0 1\n", {.one_based = true}); }},
      edges_case("line `0 3000000000`", "0 3000000000\n",
                 v{"target id 3000000000", "[0, 2147483646]"}),
      edges_case("line `0 1 -0.5`", "0 1 -0.5\n",
                 v{"weight -0.5 is negative", ">= 0"}),
      edges_case("line `0 1 inf`", "0 1 inf\n", v{"weight 'inf'", "finite"}),
      edges_case("line `0 1 +-5`", "0 1 +-5\n",
                 v{"weight '+-5' is not a number"}),
      edges_case("`0 1 1.0` then `1 2`", "0 1 1.0\n1 2\n",
                 v{"input.txt:2", "edge has no weight", "first edge (line 1)"}),
      {"read_edge_list", "num_nodes = -2", "invalid_argument",
       v{"num_nodes = -2", ">= 0, or -1"},
       [] { edges("0 1\n", {.num_nodes = -2}); }},
      {"read_edge_list", "num_nodes = 3000000000", "limit_error",
       v{"num_nodes = 3000000000", "2147483647"},
       [] { edges("0 1\n", {.num_nodes = 3000000000}); }},

      // Dataset folders.
      {"load_dataset", "a missing folder", "io_error",
       v{"no such dataset folder"},
       [] { load_dataset(scratch() / "no_such_dataset"); }},
      {"load_dataset", "no labels.txt", "io_error",
       v{"labels.txt: no such file"},
       [] {
         const fs::path folder = scratch() / "dataset";
         fs::create_directories(folder);
         fuzz::write_dataset_folder(folder, folder_files{}.adjacency);
         load_dataset(folder);
       }},
      folder_case("features.mtx with 5 rows, 4 nodes", &folder_files::features,
                  rg + "5 2 1\n1 1 1\n",
                  v{"features.mtx", "has 5 rows, expected 4"}),
      folder_case("features.mtx holding `nan`", &folder_files::features,
                  rg + "4 2 1\n1 1 nan\n", v{"features.mtx:3", "value 'nan'"}),
      folder_case("a feature row `1 -1 1e-40` (sums to 1e-40)",
                  &folder_files::features,
                  rg + "4 3 3\n1 1 1\n1 2 -1\n1 3 1e-40\n",
                  v{"features.mtx", "normalize_rows: row 0 sums to",
                    "overflows a float"}),
      folder_case("3 labels, 4 nodes", &folder_files::labels, "0\n1\n1\n",
                  v{"labels.txt", "has 3 labels, expected 4"}),
      folder_case(
          "label `-2`", &folder_files::labels, "0\n1\n-2\n0\n",
          v{"labels.txt:3", "label -2 is out of range", "[-1, 2147483646]"}),
      folder_case("label `2147483647`", &folder_files::labels,
                  "2147483647\n1\n1\n0\n",
                  v{"labels.txt:1", "label 2147483647", "[-1, 2147483646]"}),
      folder_case("train.txt naming node 9 of 4", &folder_files::train,
                  "0\n9\n",
                  v{"train.txt:2", "node id 9 is out of range", "[0, 3]"}),
      folder_case("train.txt naming unlabelled node 3", &folder_files::train,
                  "3\n", v{"train.txt:1", "node 3 has no label"}),
      folder_case("node 1 in val.txt and test.txt", &folder_files::test, "1\n",
                  v{"test.txt:1", "already listed in val.txt"}),
      folder_case("a 4 x 5 adjacency.mtx", &folder_files::adjacency,
                  pg + "4 5 1\n1 5\n", v{"adjacency.mtx", "4 x 5", "square"}),

      // Graph building.
      {"graph::from_edges", "num_nodes = -5", "invalid_argument",
       v{"num_nodes = -5", ">= 0, or -1"},
       [] {
         graph::from_edges(edge_list{.num_nodes = -5, .src = {0}, .dst = {1}});
       }},
      {"graph::from_edges", "edge (-4, 2)", "invalid_argument",
       v{"edge 1 (-4 -> 2)", "node id -4", ">= 0"},
       [] {
         graph::from_edges(edge_list{.src = {0, -4}, .dst = {1, 2}});
       }},
      {"graph::from_edges", "id 5 with num_nodes = 3", "invalid_argument",
       v{"node id 5", "num_nodes = 3", "[0, 3)"},
       [] {
         graph::from_edges(
             edge_list{.num_nodes = 3, .src = {0, 5}, .dst = {1, 2}});
       }},
      {"graph::from_edges", "2 sources, 1 target", "invalid_argument",
       v{"dst.size() = 1", "2 (src.size())"},
       [] {
         graph::from_edges(edge_list{.src = {0, 1}, .dst = {1}});
       }},
      {"graph::from_edges", "weight NaN", "invalid_argument",
       v{"weight[1] = nan", "a finite value >= 0"},
       [] {
         graph::from_edges(
             edge_list{.src = {0, 1}, .dst = {1, 2}, .weight = {1.0, kNaN}});
       }},
      {"graph::from_edges", "weight -1", "invalid_argument",
       v{"weight[1] = -1", "a finite value >= 0"},
       [] {
         graph::from_edges(
             edge_list{.src = {0, 1}, .dst = {1, 2}, .weight = {1.0, -1.0}});
       }},
      {"graph::from_edges", "num_nodes = 2^31", "limit_error",
       v{"2147483648 nodes", "2147483647"},
       [] {
         graph::from_edges(edge_list{
             .num_nodes = std::int64_t{1} << 31, .src = {0}, .dst = {1}});
       }},
      {"graph::from_edges", "parallel weights 1e308 + 1e308, summed",
       "invalid_argument", v{"parallel edges (0, 1)", "overflows a double"},
       [] {
         graph::from_edges(
             edge_list{.src = {0, 0}, .dst = {1, 1}, .weight = {1e308, 1e308}},
             {.drop_duplicates = false});
       }},
      {"graph::from_edges", "edge (0, 2147483646), memory limit 1 GiB",
       "out_of_memory",
       v{"2147483647 nodes", "refusing to allocate 51539607556 bytes"},
       [] {
         const scoped_memory_limit limit(std::size_t{1} << 30);
         graph::from_edges(edge_list{.src = {0}, .dst = {2147483646}});
       }},
      {"graph::from_csr", "row 0 columns `1 1`", "invalid_argument",
       v{"col_idx[1] = 1 follows 1", "strictly increasing"},
       [] {
         graph::from_csr(2, {0, 2, 2}, {1, 1});
       }},
      {"graph::from_csr", "num_nodes = 3000000000", "limit_error",
       v{"num_nodes = 3000000000", "2147483647"},
       [] { graph::from_csr(3000000000, {0}, {}); }},
      {"graph::from_csr", "2 offsets for 2 nodes", "invalid_argument",
       v{"row_ptr.size() = 2", "num_nodes + 1"},
       [] {
         graph::from_csr(2, {0, 1}, {1});
       }},

      // The normalised adjacency.
      {"normalized_adjacency", "self_loop = -1", "invalid_argument",
       v{"self_loop = -1", "a finite value >= 0"},
       [] { normalized_adjacency(path9(), {.self_loop = -1.0}); }},
      {"normalized_adjacency", "self_loop = NaN", "invalid_argument",
       v{"self_loop = nan", "a finite value >= 0"},
       [] { normalized_adjacency(path9(), {.self_loop = kNaN}); }},
      {"normalized_adjacency", "norm = normalization(7)", "invalid_argument",
       v{"norm = 7", "sym (0), rw (1) or none (2)"},
       [] {
         normalized_adjacency(path9(), {.norm = static_cast<normalization>(7)});
       }},
      {"normalized_adjacency", "weights 1e308 + 1e308 out of node 0",
       "limit_error", v{"degree d~ of node 0", "overflows a double"},
       [] {
         normalized_adjacency(graph::from_edges(edge_list{
             .src = {0, 0}, .dst = {1, 2}, .weight = {1e308, 1e308}}));
       }},
      {"normalized_adjacency", "rw, gamma = 0, weight 4.9e-324", "limit_error",
       v{"node 0 has degree d~ = 4.9", "too small for rw", "5.56"},
       [] {
         normalized_adjacency(
             graph::from_edges(
                 edge_list{.src = {0}, .dst = {1}, .weight = {4.9e-324}}),
             {.norm = normalization::rw, .self_loop = 0.0});
       }},
      {"normalized_adjacency", "none, weight 1e200", "limit_error",
       v{"coefficient (0, 1) of A^ is 1e+200", "1.34"},
       [] {
         normalized_adjacency(graph::from_edges(edge_list{
                                  .src = {0}, .dst = {1}, .weight = {1e200}}),
                              {.norm = normalization::none});
       }},

      // Operator parameters (through cpu::forward).
      config_case("shifted, alpha = 1.5",
                  {.kind = op_kind::shifted, .alpha = 1.5},
                  v{"alpha = 1.5", "0 <= alpha <= 1"}),
      config_case("shifted, alpha = -0.1",
                  {.kind = op_kind::shifted, .alpha = -0.1},
                  v{"alpha = -0.1", "0 <= alpha <= 1"}),
      config_case("shifted, alpha = NaN",
                  {.kind = op_kind::shifted, .alpha = kNaN},
                  v{"alpha = nan", "0 <= alpha <= 1"}),
      config_case("rescaled, c = 0", {.kind = op_kind::rescaled, .c = 0.0},
                  v{"c = 0", "a finite value > 0"}),
      config_case("rescaled, c = -2", {.kind = op_kind::rescaled, .c = -2.0},
                  v{"c = -2", "a finite value > 0"}),
      config_case("rescaled, c = inf", {.kind = op_kind::rescaled, .c = kInf},
                  v{"c = inf", "a finite value > 0"}),
      config_case("pairnorm, eps = 0", {.kind = op_kind::pairnorm, .eps = 0.0},
                  v{"eps = 0", "a finite value > 0"}),
      config_case("pairnorm, eps = -1",
                  {.kind = op_kind::pairnorm, .eps = -1.0},
                  v{"eps = -1", "a finite value > 0"}),
      config_case("pairnorm, scale = 0",
                  {.kind = op_kind::pairnorm, .scale = 0.0},
                  v{"scale = 0", "a finite value > 0"}),
      config_case("energy, guard = 0", {.kind = op_kind::energy, .guard = 0.0},
                  v{"guard = 0", "a finite value > 0"}),
      config_case("kind = op_kind(99)", {.kind = static_cast<op_kind>(99)},
                  v{"kind = 99", "one of plain", "(0 to 6)"}),
      {"parse_op_kind", "`fast`", "invalid_argument",
       v{"unknown operator 'fast'", "plain, rescaled"},
       [] { parse_op_kind("fast"); }},
      {"parse_normalization", "`l2`", "invalid_argument",
       v{"unknown normalisation 'l2'", "sym, rw, none"},
       [] { parse_normalization("l2"); }},

      // Operator arguments.
      {"cpu::forward", "x with 10 rows, graph of 9", "invalid_argument",
       v{"x is 10 x 3", "expected 9 x 3"}, [] { forward9({}, 10); }},
      {"cpu::forward", "y 2 wide, x 3 wide", "invalid_argument",
       v{"y is 9 x 2", "expected 9 x 3"}, [] { forward9({}, 9, 3, 2); }},
      {"cpu::forward", "x view with null data", "invalid_argument",
       v{"x has no data for a 9 x 3 matrix"},
       [] {
         forward_view({nullptr, 9, 3});
       }},
      {"cpu::forward", "x view 9 x -3", "invalid_argument",
       v{"x is 9 x -3", "sizes >= 0"},
       [] {
         const double cell = 0.0;
         forward_view({&cell, 9, -3});
       }},
      {"cpu::forward", "x view 9 x 2^62", "limit_error",
       v{"x is 9 x 4611686018427387904", "std::int64_t bytes"},
       [] {
         const double cell = 0.0;
         forward_view({&cell, 9, std::int64_t{1} << 62});
       }},
      {"cpu::forward", "y the same memory as x", "invalid_argument",
       v{"output y overlaps an input"},
       [] {
         const normalized_adjacency a(path9());
         matrix<double> x(9, 3, 1.0);
         cpu::forward<double>(a, {}, x, x.view());
       }},
      {"cpu::backward", "pairnorm with an energy state", "invalid_argument",
       v{"state comes from operator 'energy'", "state of 'pairnorm'"},
       [] { backward_with_state_of(op_kind::energy, op_kind::pairnorm, 3); }},
      {"cpu::backward", "energy_col, state of width 3, g of width 5",
       "invalid_argument",
       v{"state.col_scale.size() = 3", "5 (the width of g)"},
       [] {
         backward_with_state_of(op_kind::energy_col, op_kind::energy_col, 5);
       }},
      {"cpu::energy", "x view with null data", "invalid_argument",
       v{"cpu::energy", "x has no data for a 4 x 4 matrix"},
       [] {
         cpu::energy<float>(matrix_view<const float>{nullptr, 4, 4});
       }},

      // Matrices.
      {"matrix", "rows = -1", "invalid_argument", v{"rows = -1", ">= 0"},
       [] { matrix<float>(-1, 3); }},
      {"matrix", "2^32 x 2^32", "limit_error",
       v{"4294967296 x 4294967296", "do not fit std::int64_t"},
       [] { matrix<float>(std::int64_t{1} << 32, std::int64_t{1} << 32); }},
      {"matrix", "10^9 x 10^9 floats", "out_of_memory",
       v{"matrix 1000000000 x 1000000000",
         "refusing to allocate 4000000000000000000 bytes"},
       [] { matrix<float>(1000000000, 1000000000); }},
      {"normalize_rows", "row `1 -1 1e-40`", "invalid_argument",
       v{"row 0 sums to", "magnitude 1", "overflows a float"},
       [] {
         matrix<float> m(1, 3);
         m(0, 0) = 1.0f;
         m(0, 1) = -1.0f;
         m(0, 2) = 1e-40f;
         normalize_rows(m);
       }},

      // Datasets in memory.
      {"validate(dataset)", "label 9 with num_classes = 2", "invalid_argument",
       v{"labels[2] = 9", "[0, 2)"},
       [] { validate_changed([](dataset& d) { d.labels[2] = 9; }); }},
      {"validate(dataset)", "train naming node 50 of 4", "invalid_argument",
       v{"train[0] = 50", "[0, 4)"},
       [] { validate_changed([](dataset& d) { d.train = {50}; }); }},
      {"validate(dataset)", "train naming unlabelled node 3",
       "invalid_argument", v{"train[0] = 3", "a labelled node"},
       [] { validate_changed([](dataset& d) { d.train = {3}; }); }},
      {"validate(dataset)", "node 1 in val and test", "invalid_argument",
       v{"test[0] = 1", "in no other split (it is in val)"},
       [] { validate_changed([](dataset& d) { d.test = {1}; }); }},
      {"validate(dataset)", "3 feature rows, 4 nodes", "invalid_argument",
       v{"features.rows() = 3", "4 (one per node)"},
       [] {
         validate_changed([](dataset& d) { d.features = matrix<float>(3, 2); });
       }},
      {"validate(dataset)", "a NaN feature", "invalid_argument",
       v{"features(1, 0) = nan", "a finite value"},
       [] { validate_changed([](dataset& d) { d.features(1, 0) = NAN; }); }},

      // Generators.
      {"make_rmat", "scale = 31", "invalid_argument",
       v{"scale = 31", "[0, 30]"}, [] { make_rmat({.scale = 31}); }},
      {"make_rmat", "edge_factor = -1", "invalid_argument",
       v{"edge_factor = -1", "a finite value >= 0"},
       [] { make_rmat({.scale = 4, .edge_factor = -1}); }},
      {"make_rmat", "a = NaN", "invalid_argument", v{"a = nan", "[0, 1]"},
       [] { make_rmat({.scale = 4, .a = kNaN}); }},
      {"make_rmat", "a + b + c + d = 1.33", "invalid_argument",
       v{"a + b + c + d = 1.33", "expected 1"},
       [] { make_rmat({.scale = 4, .a = 0.9}); }},
      {"make_rmat", "scale = 30, edge_factor = 1e10", "limit_error",
       v{"edge_factor * 2^scale", "2^62"},
       [] { make_rmat({.scale = 30, .edge_factor = 1e10}); }},
      {"make_csbm", "nodes = 0", "invalid_argument",
       v{"nodes = 0", "[1, 2147483647]"}, [] { make_csbm({.nodes = 0}); }},
      {"make_csbm", "11 classes, 10 nodes", "invalid_argument",
       v{"classes = 11", "[1, nodes]"},
       [] { make_csbm({.nodes = 10, .classes = 11}); }},
      {"make_csbm", "p_intra = 1.5", "invalid_argument",
       v{"p_intra = 1.5", "[0, 1]"}, [] { make_csbm({.p_intra = 1.5}); }},
      {"make_csbm", "signal = inf", "invalid_argument",
       v{"signal = inf", "a finite value"},
       [] { make_csbm({.signal = kInf}); }},
      {"make_csbm", "train 0.7 + val 0.7", "invalid_argument",
       v{"train_fraction + val_fraction = 1.4", "<= 1"},
       [] { make_csbm({.train_fraction = 0.7, .val_fraction = 0.7}); }},
      {"make_csbm", "features = 0", "invalid_argument",
       v{"features = 0", ">= 1"}, [] { make_csbm({.features = 0}); }},
      {"make_csbm", "2e9 nodes, p_intra = 1, limit 1 GiB", "out_of_memory",
       v{"make_csbm: 2000000000 nodes", "edges", "refusing to allocate"},
       [] {
         const scoped_memory_limit limit(std::size_t{1} << 30);
         make_csbm({.nodes = 2000000000, .p_intra = 1.0});
       }},
  };
}

}  // namespace

const std::vector<bad_input>& bad_inputs() {
  static const std::vector<bad_input> cases = make_cases();
  return cases;
}

observed observe(const bad_input& c) {
  try {
    c.run();
  } catch (const std::exception& e) {
    std::string message = e.what();
    const std::string folder = scratch().string();
    for (std::size_t at; (at = message.find(folder)) != std::string::npos;) {
      message.replace(at, folder.size(), "<folder>");
    }
    return {fuzz::error_type_name(e), message};
  }
  return {"none", ""};
}

}  // namespace gcnops::test
