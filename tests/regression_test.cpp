// Inputs that once crashed, hung or gave wrong results, replayed.
//
// tests/inputs/<target>/ holds such inputs; each runs through its fuzz
// driver (tests/fuzz/fuzz_drivers.hpp) as its own test, and the seed corpus
// tests/fuzz/corpus/<target>/ runs the same way. The TEST()s below call the
// public API on each input, and on the other defects' triggers, and check
// the error or the result they get. To add one: save the crashing file
// under tests/inputs/<target>/ with a name saying what it does, and add a
// TEST.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "fuzz_drivers.hpp"
#include "test_util.hpp"

namespace gcnops {
namespace {

namespace fs = std::filesystem;
using fuzz::scoped_memory_limit;

const fs::path kInputs = GCNOPS_TEST_INPUT_DIR;
const fs::path kCorpus = GCNOPS_FUZZ_CORPUS_DIR;

std::string read_text(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// Runs `what` and checks that it throws E with `needle` in its message.
template <class E, class Fn>
void expect_error(Fn what, const std::string& needle) {
  try {
    what();
    ADD_FAILURE() << "no exception; expected one mentioning " << needle;
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message: " << e.what() << "\nmissing: " << needle;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

// Replay through the drivers -------------------------------------------

struct replay_case {
  std::string target;
  fs::path file;
};

std::vector<replay_case> files_under(const fs::path& root) {
  std::vector<replay_case> out;
  for (const auto& target : fuzz::target_names()) {
    const fs::path dir = root / target;
    if (!fs::is_directory(dir)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
      files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
      out.push_back({target, f});
  }
  return out;
}

void PrintTo(const replay_case& c, std::ostream* out) {
  *out << c.target << ": " << c.file.filename().string();
}

class Replay : public ::testing::TestWithParam<replay_case> {};

TEST_P(Replay, DriverFindsNothingWrong) {
  const auto& [target, file] = GetParam();
  try {
    const fuzz::outcome result = fuzz::drive(target, read_text(file));
    RecordProperty("outcome", result.accepted ? "accepted" : result.error_type);
  } catch (const std::exception& e) {
    FAIL() << file << ": " << e.what();
  }
}

std::string replay_name(const ::testing::TestParamInfo<replay_case>& info) {
  std::string name = info.param.target + "_" + info.param.file.stem().string();
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Inputs, Replay,
                         ::testing::ValuesIn(files_under(kInputs)),
                         replay_name);
INSTANTIATE_TEST_SUITE_P(SeedCorpus, Replay,
                         ::testing::ValuesIn(files_under(kCorpus)),
                         replay_name);

TEST(ReplayInputs, EveryTargetHasSeedsAndTheInputsAreThere) {
  for (const auto& target : fuzz::target_names()) {
    EXPECT_TRUE(fs::is_directory(kCorpus / target)) << target;
  }
  EXPECT_GE(files_under(kInputs).size(), 7u);
}

// The public API on each input -----------------------------------------

// A subnormal weight under rw with gamma = 0: 1 / d~ overflowed, and rw
// propagation returned values larger than its input.
TEST(Regression, SubnormalDegreeUnderRwIsRefused) {
  const graph g =
      read_graph(kInputs / "matrix_market/subnormal_weight_rw_overflow.mtx");
  ASSERT_EQ(g.weights()[2], 4.9e-324);
  expect_error<limit_error>(
      [&] {
        normalized_adjacency(g, {.norm = normalization::rw, .self_loop = 0});
      },
      "node 2 has degree d~ = 4.940656458e-324, too small for rw");

  // With gamma = 1 the same graph is fine, and rw stays a convex mix.
  const normalized_adjacency a(g, {.norm = normalization::rw});
  matrix<float> x(3, 2, 1.0f), y(3, 2, NAN);
  cpu::forward<float>(a, {}, x, y);
  for (float v : y.values())
    EXPECT_LE(std::abs(v), 1.0f + 1e-6f);
}

// One far node id: the build allocated N-sized arrays (24 bytes a node)
// without any check, 51 GB for this line.
TEST(Regression, FarNodeIdIsRefusedBeforeAllocating) {
  const scoped_memory_limit limit(std::size_t{1} << 30);
  const fs::path file = kInputs / "edge_list/node_id_int32_max_oom.txt";
  try {
    read_graph(file, {}, {.one_based = true});
    FAIL() << "no exception";
  } catch (const out_of_memory& e) {
    EXPECT_EQ(e.requested_bytes(), 24 * std::size_t{2147483648} + 4);
    EXPECT_NE(std::string(e.what()).find("2147483647 nodes"), std::string::npos)
        << e.what();
  }
}

// 21 million nodes: allocating and filling the arrays took longer than a
// fuzzer's 10 s timeout.
TEST(Regression, ManyNodesAreRefusedUnderALowLimit) {
  const scoped_memory_limit limit(std::size_t{64} << 20);
  expect_error<out_of_memory>(
      [] { read_graph(kInputs / "edge_list/node_id_21m_timeout.txt"); },
      "a graph of 21463213 nodes");
}

// labels.txt holding INT32_MAX: 1 + the largest label (the class count)
// overflowed std::int32_t.
TEST(Regression, LabelInt32MaxIsRefused) {
  const fs::path folder = fs::temp_directory_path() /
                          ("gcnops_regression_" + std::to_string(::getpid()));
  fs::create_directories(folder);
  fuzz::write_dataset_folder(
      folder, read_text(kInputs / "dataset/label_int32_max.bin"));
  try {
    load_dataset(folder);
    ADD_FAILURE() << "no exception";
  } catch (const parse_error& e) {
    EXPECT_EQ(fs::path(e.file()).filename(), "labels.txt");
    EXPECT_EQ(e.line(), 3u);
    EXPECT_NE(std::string(e.what()).find("expected [-1, 2147483646]"),
              std::string::npos)
        << e.what();
  }
  fs::remove_all(folder);
}

// Weights that each fit a double overflowed to inf once summed, as merged
// parallel edges or as a degree.
TEST(Regression, OverflowingSumsAreRefused) {
  const fs::path mtx = kInputs / "matrix_market/parallel_weights_overflow.mtx";
  expect_error<invalid_argument>(
      [&] { read_graph(mtx, {.drop_duplicates = false}); },
      "parallel edges (0, 1) add up to a weight of 1e+308 + 1e+308");
  const graph kept = read_graph(mtx);
  EXPECT_EQ(kept.weights()[0], 1e308);
  expect_error<limit_error>(
      [&] { normalized_adjacency(kept, {.norm = normalization::none}); },
      "coefficient (0, 1) of A^ is 1e+308");

  const graph fan = read_graph(kInputs / "edge_list/degree_overflow.txt");
  expect_error<limit_error>([&] { normalized_adjacency a(fan); },
                            "the degree d~ of node 0");
}

// "+-5" was read as -5: the '+' was skipped before parsing.
TEST(Regression, PlusMinusSignIsNotANumber) {
  std::istringstream in(read_text(kInputs / "edge_list/plus_minus_sign.txt"));
  expect_error<parse_error>([&] { read_edge_list(in, "signs.txt"); },
                            "signs.txt:1: weight '+-5' is not a number");
  std::istringstream ids("+-1 2\n");
  expect_error<parse_error>([&] { read_edge_list(ids, "ids.txt"); },
                            "source id '+-1' is not an integer");
  std::istringstream plus("+1 +2 +0.5\n");
  const edge_list e = read_edge_list(plus, "plus.txt");
  EXPECT_EQ(e.src[0], 1);
  EXPECT_EQ(e.weight[0], 0.5);
}

// Scales outside the range of float made the float path compute
// inf * 0 = NaN where the coefficients themselves are ordinary numbers.
TEST(Regression, TinyWeightsGiveTheSameResultInFloatAndDouble) {
  edge_list e;
  e.src = {0, 1, 1, 2};
  e.dst = {1, 0, 2, 1};
  e.weight = {1e-300, 1e-300, 3e-300, 3e-300};
  const normalized_adjacency a(graph::from_edges(e), {.self_loop = 0.0});
  ASSERT_GT(a.row_scale()[0], 1e149);  // beyond the range of float
  const auto xd = test::random_matrix<double>(3, 4, 5);
  const auto xf = matrix_cast<float, double>(xd);
  matrix<double> yd(3, 4);
  matrix<float> yf(3, 4);
  cpu::forward<double>(a, {}, xd, yd);
  cpu::forward<float>(a, {}, xf, yf);
  EXPECT_TRUE(test::near(yf, yd, 1e-6));
}

// A backward pass of energy_col with a state from another width read past
// the end of the state's arrays.
TEST(Regression, EnergyColStateOfAnotherWidthIsRefused) {
  const normalized_adjacency a(test::undirected_graph());
  const std::int64_t n = a.num_nodes();
  matrix<double> x(n, 2, 1.0), y(n, 2), g(n, 6, 1.0), dx(n, 6);
  cpu::op_state st;
  cpu::forward<double>(a, {.kind = op_kind::energy_col}, x, y, &st);
  matrix<double> x6(n, 6, 1.0), y6(n, 6, 1.0);
  expect_error<invalid_argument>(
      [&] {
        cpu::backward<double>(a, {.kind = op_kind::energy_col}, st, x6, y6, g,
                              dx);
      },
      "state.col_scale.size() = 2");
}

// Moved-from graphs kept their node count with empty arrays, so any later
// use read out of bounds.
TEST(Regression, MovedFromObjectsAreEmpty) {
  graph g = test::undirected_graph();
  const graph taken = std::move(g);
  EXPECT_EQ(g.num_nodes(), 0);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(g.row_ptr().size(), 1u);
  EXPECT_EQ(compute_stats(g).nodes, 0);
  EXPECT_NO_THROW(normalized_adjacency{g});

  matrix<double> m(4, 3, 1.0);
  const matrix<double> m2 = std::move(m);
  EXPECT_EQ(m.rows(), 0);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(m.size(), 0);

  normalized_adjacency a(taken);
  const normalized_adjacency b = std::move(a);
  EXPECT_EQ(a.num_nodes(), 0);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(a.structure().row_ptr().size(), 1u);
  matrix<double> x0(0, 2), y0(0, 2);
  EXPECT_NO_THROW(cpu::forward<double>(a, {}, x0, y0));
  EXPECT_EQ(b.num_nodes(), 9);
}

// A tiny edge probability made the gap between edges a double far beyond
// std::int64_t, converted anyway (undefined; UBSan reports it).
TEST(Regression, CsbmWithTinyProbabilitiesDrawsNoEdges) {
  const dataset d = make_csbm(
      {.nodes = 50, .p_intra = 1e-300, .p_inter = 4.9e-324, .features = 2});
  EXPECT_EQ(d.structure.num_edges(), 0);
  EXPECT_NO_THROW(validate(d));
  // Uneven classes: 10 nodes in 3 classes hold 4, 3 and 3.
  const dataset u = make_csbm({.nodes = 10, .classes = 3, .features = 2});
  EXPECT_EQ(std::count(u.labels.begin(), u.labels.end(), 0), 4);
  EXPECT_EQ(std::count(u.labels.begin(), u.labels.end(), 2), 3);
}

}  // namespace
}  // namespace gcnops
