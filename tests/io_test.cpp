// Matrix Market and edge-list readers: what they accept, and the exact
// error every kind of bad input gets.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_util.hpp"

namespace gcnops {
namespace {

namespace fs = std::filesystem;

sparse_entries mtx(const std::string& text, const mtx_options& o = {}) {
  std::istringstream in(text);
  return read_matrix_market(in, "input.mtx", o);
}

edge_list edges(const std::string& text, const edge_list_options& o = {}) {
  std::istringstream in(text);
  return read_edge_list(in, "input.txt", o);
}

// Runs `fn`, expects exception E, and checks that its message contains
// every needle.
template <class E, class Fn>
void expect_error(Fn fn, std::initializer_list<std::string> needles) {
  try {
    fn();
    ADD_FAILURE() << "no exception; expected one mentioning "
                  << *needles.begin();
  } catch (const E& e) {
    for (const auto& n : needles) {
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos)
          << "message: " << e.what() << "\nmissing: " << n;
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("gcnops_io_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  fs::path dir_;
};

// Matrix Market: accepted ---------------------------------------------------

TEST(MatrixMarket, PatternSymmetricIsMirrored) {
  const auto m =
      mtx("%%MatrixMarket matrix coordinate pattern symmetric\n"
          "% a comment\n"
          "\n"
          "3 3 3\n"
          "2 1\n"
          "3 3\n"
          "3 2\n");
  EXPECT_EQ(m.rows, 3);
  EXPECT_EQ(m.field, mtx_field::pattern);
  EXPECT_EQ(m.declared_entries, 3);
  // (2,1) mirrored, (3,3) on the diagonal once, (3,2) mirrored.
  EXPECT_EQ(m.row, (std::vector<std::int64_t>{1, 0, 2, 2, 1}));
  EXPECT_EQ(m.col, (std::vector<std::int64_t>{0, 1, 2, 1, 2}));
  EXPECT_TRUE(m.value.empty());
}

TEST(MatrixMarket, RealAndIntegerGeneral) {
  const auto r =
      mtx("%%MatrixMarket matrix coordinate real general\n"
          "2 3 2\n"
          "1 3 -2.5e-1\n"
          "2 1 4\n");
  EXPECT_EQ(r.cols, 3);
  EXPECT_EQ(r.value, (std::vector<double>{-0.25, 4.0}));
  const auto i =
      mtx("%%MatrixMarket matrix coordinate integer general\r\n"
          "2 2 1\r\n"
          "2 2 7\r\n");
  EXPECT_EQ(i.value, (std::vector<double>{7.0}));
}

TEST(MatrixMarket, BannerKeywordsAreCaseInsensitive) {
  EXPECT_NO_THROW(
      mtx("%%MatrixMarket MATRIX Coordinate PATTERN General\n"
          "1 1 0\n"));
}

TEST(MatrixMarket, TinyValuesUnderflowInsteadOfFailing) {
  const auto m =
      mtx("%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 1e-400\n");
  EXPECT_EQ(m.value[0], 0.0);
}

// Matrix Market: refused ------------------------------------------------------

TEST(MatrixMarketErrors, EmptyInput) {
  expect_error<parse_error>([] { mtx(""); },
                            {"input.mtx", "empty file", "%%MatrixMarket"});
}

TEST(MatrixMarketErrors, MissingOrWrongBanner) {
  expect_error<parse_error>([] { mtx("3 3 1\n1 1\n"); },
                            {"input.mtx:1", "found '3 3 1'", "banner"});
  expect_error<parse_error>(
      [] { mtx("%%MatrixMarket matrix coordinate\n1 1 0\n"); },
      {"input.mtx:1", "2 keywords, expected 4"});
  expect_error<parse_error>(
      [] { mtx("%%MatrixMarket vector coordinate real general\n"); },
      {"unsupported object 'vector'"});
  expect_error<parse_error>(
      [] { mtx("%%MatrixMarket matrix array real general\n2 2\n"); },
      {"unsupported format 'array'", "'coordinate'"});
}

TEST(MatrixMarketErrors, UnsupportedFieldAndSymmetry) {
  expect_error<parse_error>(
      [] { mtx("%%MatrixMarket matrix coordinate complex general\n"); },
      {"input.mtx:1", "unsupported field 'complex'",
       "'pattern', 'real' or 'integer'"});
  expect_error<parse_error>(
      [] { mtx("%%MatrixMarket matrix coordinate real hermitian\n"); },
      {"unsupported symmetry 'hermitian'"});
  expect_error<parse_error>(
      [] { mtx("%%MatrixMarket matrix coordinate real skew-symmetric\n"); },
      {"unsupported symmetry 'skew-symmetric'"});
}

TEST(MatrixMarketErrors, BadSizeLine) {
  const std::string b = "%%MatrixMarket matrix coordinate pattern general\n";
  expect_error<parse_error>([&] { mtx(b); }, {"before the size line"});
  expect_error<parse_error>([&] { mtx(b + "3 3\n"); },
                            {"input.mtx:2", "2 values, expected 3"});
  expect_error<parse_error>([&] { mtx(b + "3 x 1\n"); },
                            {"input.mtx:2", "column count 'x'"});
  expect_error<parse_error>([&] { mtx(b + "-3 3 1\n"); },
                            {"row count -3 is out of range"});
  expect_error<parse_error>([&] { mtx(b + "2 2 5\n"); },
                            {"5 entries declared", "2 x 2"});
  expect_error<parse_error>(
      [] {
        mtx("%%MatrixMarket matrix coordinate pattern symmetric\n2 3 1\n");
      },
      {"symmetric matrix is 2 x 3"});
  expect_error<limit_error>([&] { mtx(b + "99999999999999999999 1 1\n"); },
                            {"input.mtx:2", "does not fit a 64-bit integer"});
}

TEST(MatrixMarketErrors, IndexZeroOrBeyondTheDeclaredSize) {
  const std::string b =
      "%%MatrixMarket matrix coordinate pattern general\n3 4 1\n";
  expect_error<parse_error>(
      [&] { mtx(b + "0 1\n"); },
      {"input.mtx:3", "row index 0 is out of range", "[1, 3]"});
  expect_error<parse_error>([&] { mtx(b + "1 5\n"); },
                            {"input.mtx:3", "column index 5", "[1, 4]"});
  expect_error<parse_error>([&] { mtx(b + "1 -1\n"); }, {"column index -1"});
  expect_error<parse_error>([&] { mtx(b + "1.5 1\n"); },
                            {"row index '1.5' is not an integer"});
}

TEST(MatrixMarketErrors, FewerOrMoreEntriesThanDeclared) {
  const std::string b = "%%MatrixMarket matrix coordinate pattern general\n";
  expect_error<parse_error>(
      [&] { mtx(b + "3 3 3\n1 1\n2 2\n"); },
      {"input.mtx:4", "ends after 2 of the 3 entries", "line 2"});
  expect_error<parse_error>([&] { mtx(b + "3 3 1\n1 1\n2 2\n"); },
                            {"input.mtx:4", "more entries than the 1"});
  // A truncated last line is an entry with a missing value.
  expect_error<parse_error>(
      [] {
        mtx("%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2");
      },
      {"input.mtx:4", "1 values, expected 3"});
}

TEST(MatrixMarketErrors, NonFiniteAndNegativeValues) {
  const std::string b =
      "%%MatrixMarket matrix coordinate real general\n2 2 1\n";
  for (const char* bad : {"nan", "NaN", "inf", "-inf", "1e400"}) {
    expect_error<parse_error>([&] { mtx(b + "1 1 " + bad + "\n"); },
                              {"input.mtx:3", "not a finite double"});
  }
  expect_error<parse_error>([&] { mtx(b + "1 1 abc\n"); },
                            {"value 'abc' is not a number"});
  expect_error<parse_error>(
      [&] { mtx(b + "1 1 -2\n", {.require_nonnegative = true}); },
      {"input.mtx:3", "value -2 is negative"});
  EXPECT_NO_THROW(mtx(b + "1 1 -2\n"));
  expect_error<parse_error>(
      [] {
        mtx("%%MatrixMarket matrix coordinate integer general\n1 1 1\n"
            "1 1 2.5\n");
      },
      {"value '2.5' is not an integer"});
}

TEST(MatrixMarketErrors, UpperTriangleInSymmetricFile) {
  expect_error<parse_error>(
      [] {
        mtx("%%MatrixMarket matrix coordinate pattern symmetric\n3 3 1\n"
            "1 2\n");
      },
      {"input.mtx:3", "above the diagonal", "lower triangle"});
}

TEST(MatrixMarketErrors, BinaryGarbageAndHugeLines) {
  expect_error<parse_error>([] { mtx(std::string("%%MatrixMarket\0 x", 17)); },
                            {"NUL byte"});
  expect_error<parse_error>([] { mtx(std::string(2u << 20, 'x')); },
                            {"longer than"});
}

TEST(MatrixMarketErrors, DimensionLimit) {
  expect_error<limit_error>(
      [] {
        mtx("%%MatrixMarket matrix coordinate pattern general\n"
            "3000000000 3000000000 1\n1 1\n",
            {.max_dimension = max_nodes});
      },
      {"input.mtx:2", "3000000000 x 3000000000", "2147483647"});
}

// Files --------------------------------------------------------------------

class Files : public TempDir {};

TEST_F(Files, MissingFileAndDirectory) {
  expect_error<io_error>([&] { read_matrix_market(dir_ / "nope.mtx"); },
                         {"nope.mtx", "no such file"});
  expect_error<io_error>([&] { read_matrix_market(dir_); },
                         {"is a directory, expected a file"});
  expect_error<io_error>([&] { read_edge_list(dir_); }, {"is a directory"});
}

TEST_F(Files, ErrorsNameTheFileAndLine) {
  const auto p = write("g.mtx",
                       "%%MatrixMarket matrix coordinate pattern general\n"
                       "2 2 2\n1 1\n3 1\n");
  expect_error<parse_error>([&] { read_graph(p); },
                            {p.string() + ":4", "row index 3"});
  try {
    read_graph(p);
  } catch (const parse_error& e) {
    EXPECT_EQ(e.line(), 4u);
    EXPECT_EQ(e.file(), p.string());
  }
}

TEST_F(Files, ReadGraphRefusesNonSquareAndNegativeWeights) {
  const auto rect = write("r.mtx",
                          "%%MatrixMarket matrix coordinate pattern general\n"
                          "2 3 1\n1 3\n");
  expect_error<parse_error>([&] { read_graph(rect); }, {"2 x 3", "square"});
  const auto neg = write("n.mtx",
                         "%%MatrixMarket matrix coordinate real general\n"
                         "2 2 1\n1 2 -1\n");
  expect_error<parse_error>([&] { read_graph(neg); }, {"negative"});
  const auto huge = write("h.mtx",
                          "%%MatrixMarket matrix coordinate pattern general\n"
                          "4000000000 4000000000 1\n1 2\n");
  expect_error<limit_error>([&] { read_graph(huge); }, {"4000000000"});
}

TEST_F(Files, DenseMatrixTooLargeIsRefusedBeforeAllocating) {
  const auto p = write("f.mtx",
                       "%%MatrixMarket matrix coordinate real general\n"
                       "2000000000 2000000000 1\n1 1 1\n");
  expect_error<out_of_memory>([&] { read_dense_matrix(p); },
                              {"2000000000 x 2000000000", "refusing"});
}

TEST_F(Files, DenseMatrixRefusesRepeatedEntries) {
  const auto p = write("f.mtx",
                       "%%MatrixMarket matrix coordinate real general\n"
                       "2 2 2\n1 2 0\n1 2 3\n");
  expect_error<parse_error>([&] { read_dense_matrix(p); },
                            {"entry (1, 2) appears more than once"});
}

TEST_F(Files, EdgeListByExtension) {
  const auto p = write("g.txt", "0 1\n1 2\n");
  const graph g = read_graph(p, {.make_undirected = true});
  EXPECT_EQ(g.num_nodes(), 3);
  EXPECT_EQ(g.num_edges(), 4);
}

// Edge lists
// -------------------------------------------------------------------

TEST(EdgeList, CommentsBlankLinesAndWeights) {
  const auto e = edges(
      "# header\n"
      "\n"
      "0 1 0.5   # trailing comment\n"
      "  2\t0 2\n"
      "\r\n");
  EXPECT_EQ(e.src, (std::vector<std::int64_t>{0, 2}));
  EXPECT_EQ(e.dst, (std::vector<std::int64_t>{1, 0}));
  EXPECT_EQ(e.weight, (std::vector<double>{0.5, 2.0}));
  EXPECT_EQ(e.num_nodes, -1);
}

TEST(EdgeList, OneBasedAndDeclaredNodeCount) {
  const auto e = edges("1 2\n3 1\n", {.one_based = true, .num_nodes = 5});
  EXPECT_EQ(e.src, (std::vector<std::int64_t>{0, 2}));
  EXPECT_EQ(graph::from_edges(e).num_nodes(), 5);
  EXPECT_THROW(edges("0 1\n", {.one_based = true}), parse_error);
}

TEST(EdgeListErrors, MixedWeights) {
  expect_error<parse_error>(
      [] { edges("0 1 1.0\n1 2\n"); },
      {"input.txt:2", "edge has no weight", "first edge (line 1)"});
  expect_error<parse_error>([] { edges("0 1\n# c\n1 2 3\n"); },
                            {"input.txt:3", "edge has a weight"});
}

TEST(EdgeListErrors, BadFieldsAndIds) {
  expect_error<parse_error>([] { edges("0\n"); }, {"input.txt:1", "1 values"});
  expect_error<parse_error>([] { edges("0 1 2 3\n"); }, {"4 values"});
  expect_error<parse_error>([] { edges("0 -1\n"); },
                            {"target id -1 is out of range"});
  expect_error<parse_error>([] { edges("a b\n"); },
                            {"source id 'a' is not an integer"});
  expect_error<parse_error>([] { edges("0 7\n", {.num_nodes = 5}); },
                            {"target id 7", "[0, 4]"});
  expect_error<parse_error>([] { edges("0 1 -0.5\n"); },
                            {"weight -0.5 is negative"});
  expect_error<parse_error>([] { edges("0 1 nan\n"); },
                            {"not a finite double"});
  expect_error<parse_error>([] { edges("0 3000000000\n"); },
                            {"target id 3000000000", "out of range"});
}

}  // namespace
}  // namespace gcnops
