// Dataset folders: the shared citation graphs load with their published
// figures, the carried copy matches, and inconsistent folders are refused.
#include <gtest/gtest.h>

#include <fstream>
#include <numeric>

#include "test_util.hpp"

namespace gcnops {
namespace {

namespace fs = std::filesystem;

std::int64_t nonzeros(const matrix<float>& m) {
  std::int64_t k = 0;
  for (float v : m.values())
    k += v != 0.0f;
  return k;
}

TEST(SharedData, CoraHasItsPublishedShape) {
  GCNOPS_REQUIRE_SHARED_DATA(dir);
  const dataset d = load_dataset(dir / "cora", {.normalize_features = false});
  EXPECT_EQ(d.name, "cora");
  EXPECT_EQ(d.num_nodes(), 2708);
  EXPECT_EQ(d.structure.num_edges(), 10556);
  EXPECT_EQ(d.structure.num_self_loops(), 0);
  EXPECT_TRUE(d.structure.symmetric());
  EXPECT_EQ(d.num_features(), 1433);
  EXPECT_EQ(nonzeros(d.features), 49216);
  EXPECT_EQ(d.num_classes, 7);
  EXPECT_EQ(d.train.size(), 140u);
  EXPECT_EQ(d.val.size(), 500u);
  EXPECT_EQ(d.test.size(), 1000u);
  // Binary features before normalisation.
  for (float v : d.features.values())
    ASSERT_TRUE(v == 0.0f || v == 1.0f);
}

TEST(SharedData, CoraRescaleConstantIsAbout209) {
  GCNOPS_REQUIRE_SHARED_DATA(dir);
  const normalized_adjacency a(read_graph(dir / "cora" / "adjacency.mtx"));
  EXPECT_NEAR(a.rescale_constant(), 2.09, 0.01);
}

TEST(SharedData, RowNormalisedFeaturesSumToOne) {
  GCNOPS_REQUIRE_SHARED_DATA(dir);
  const dataset d = load_dataset(dir / "cora");
  for (std::int64_t i = 0; i < d.num_nodes(); ++i) {
    double s = 0.0;
    for (std::int64_t f = 0; f < d.num_features(); ++f)
      s += d.features(i, f);
    if (s != 0.0) ASSERT_NEAR(s, 1.0, 1e-5) << "row " << i;
  }
}

TEST(SharedData, CiteseerAndPubmed) {
  GCNOPS_REQUIRE_SHARED_DATA(dir);
  const dataset c = load_dataset(dir / "citeseer");
  EXPECT_EQ(c.num_nodes(), 3327);
  EXPECT_EQ(c.structure.num_edges(), 2 * 4552);
  EXPECT_EQ(c.num_classes, 6);
  EXPECT_EQ(std::count(c.labels.begin(), c.labels.end(), -1), 15);
  EXPECT_EQ(c.train.size(), 120u);
  const dataset p = load_dataset(dir / "pubmed");
  EXPECT_EQ(p.num_nodes(), 19717);
  EXPECT_EQ(p.structure.num_edges(), 2 * 44324);
  EXPECT_EQ(p.num_features(), 0);
  EXPECT_EQ(p.num_classes, 3);
}

TEST(ProjectData, CarriedCoraEqualsShared) {
  const dataset carried = load_dataset(GCNOPS_PROJECT_DATA_DIR "/cora");
  EXPECT_EQ(carried.num_nodes(), 2708);
  EXPECT_EQ(carried.structure.num_edges(), 10556);
  GCNOPS_REQUIRE_SHARED_DATA(dir);
  const dataset shared = load_dataset(dir / "cora");
  EXPECT_TRUE(std::ranges::equal(carried.structure.col_idx(),
                                 shared.structure.col_idx()));
  EXPECT_TRUE(
      std::ranges::equal(carried.features.values(), shared.features.values()));
  EXPECT_EQ(carried.labels, shared.labels);
  EXPECT_EQ(carried.test, shared.test);
}

// A small folder written by the test, then broken one file at a time.
class BadFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("gcnops_dataset_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    write("adjacency.mtx",
          "%%MatrixMarket matrix coordinate pattern symmetric\n4 4 3\n"
          "2 1\n3 2\n4 3\n");
    write("features.mtx",
          "%%MatrixMarket matrix coordinate real general\n4 2 4\n"
          "1 1 1\n2 2 3\n3 1 1\n3 2 1\n");
    write("labels.txt", "0\n1\n1\n-1\n");
    write("train.txt", "0\n");
    write("val.txt", "1\n");
    write("test.txt", "2\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  void expect_parse_error(const std::string& file, std::uint64_t line,
                          const std::string& needle) {
    try {
      load_dataset(dir_);
      ADD_FAILURE() << "no exception, expected one about " << needle;
    } catch (const parse_error& e) {
      EXPECT_EQ(fs::path(e.file()).filename(), file) << e.what();
      EXPECT_EQ(e.line(), line) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << e.what();
    }
  }
  fs::path dir_;
};

TEST_F(BadFolder, TheValidFolderLoads) {
  const dataset d = load_dataset(dir_);
  EXPECT_EQ(d.num_nodes(), 4);
  EXPECT_EQ(d.num_classes, 2);
  EXPECT_FLOAT_EQ(d.features(1, 1), 1.0f);  // 3 / 3 after normalisation
  EXPECT_FLOAT_EQ(d.features(2, 0), 0.5f);
  EXPECT_FLOAT_EQ(d.features(3, 0), 0.0f);  // an all-zero row stays zero
}

TEST_F(BadFolder, MissingFolderOrFile) {
  EXPECT_THROW(load_dataset(dir_ / "nope"), io_error);
  fs::remove(dir_ / "labels.txt");
  try {
    load_dataset(dir_);
    FAIL();
  } catch (const io_error& e) {
    EXPECT_NE(std::string(e.what()).find("labels.txt: no such file"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(load_dataset(dir_ / "adjacency.mtx"), io_error);
}

TEST_F(BadFolder, FeaturesWithWrongRowCount) {
  write("features.mtx",
        "%%MatrixMarket matrix coordinate real general\n5 2 1\n1 1 1\n");
  expect_parse_error("features.mtx", 0, "has 5 rows, expected 4");
}

TEST_F(BadFolder, FeaturesWithNaN) {
  write("features.mtx",
        "%%MatrixMarket matrix coordinate real general\n4 2 1\n1 1 nan\n");
  expect_parse_error("features.mtx", 3, "not a finite double");
}

TEST_F(BadFolder, LabelCountAndRange) {
  write("labels.txt", "0\n1\n1\n");
  expect_parse_error("labels.txt", 0, "has 3 labels, expected 4");
  write("labels.txt", "0\n1\n-2\n0\n");
  expect_parse_error("labels.txt", 3, "label -2 is out of range");
  write("labels.txt", "0\n1 2\n1\n0\n");
  expect_parse_error("labels.txt", 2, "2 values, expected one label");
}

TEST_F(BadFolder, SplitsReferringToMissingOrUnlabelledNodes) {
  write("train.txt", "0\n9\n");
  expect_parse_error("train.txt", 2, "node id 9 is out of range");
  write("train.txt", "3\n");
  expect_parse_error("train.txt", 1, "node 3 has no label");
}

TEST_F(BadFolder, SplitsWithRepeats) {
  write("train.txt", "0\n0\n");
  expect_parse_error("train.txt", 2, "already listed in train.txt");
  write("train.txt", "0\n");
  write("test.txt", "1\n");
  expect_parse_error("test.txt", 1, "already listed in val.txt");
}

}  // namespace
}  // namespace gcnops
