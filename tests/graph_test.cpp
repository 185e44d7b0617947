// Graph construction, statistics, the normalised operator and generators.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "test_util.hpp"

namespace gcnops {
namespace {

std::vector<node_id> row_of(const graph& g, std::int64_t i) {
  return {g.col_idx().begin() + g.row_ptr()[i],
          g.col_idx().begin() + g.row_ptr()[i + 1]};
}

TEST(GraphBuild, RowsAreSortedAndUnique) {
  edge_list e;
  e.src = {2, 0, 0, 0, 2};
  e.dst = {1, 3, 1, 3, 0};
  const graph g = graph::from_edges(e);
  EXPECT_EQ(g.num_nodes(), 4);
  EXPECT_EQ(g.num_edges(), 4);
  EXPECT_EQ(row_of(g, 0), (std::vector<node_id>{1, 3}));
  EXPECT_EQ(row_of(g, 1), (std::vector<node_id>{}));
  EXPECT_EQ(row_of(g, 2), (std::vector<node_id>{0, 1}));
  EXPECT_FALSE(g.weighted());
  EXPECT_FALSE(g.symmetric());
}

TEST(GraphBuild, DuplicatesKeepLargestWeightOrAdd) {
  edge_list e;
  e.src = {0, 0, 1};
  e.dst = {1, 1, 0};
  e.weight = {2.0, 5.0, 1.0};
  const graph keep = graph::from_edges(e);
  EXPECT_EQ(keep.num_edges(), 2);
  EXPECT_EQ(keep.weights()[0], 5.0);
  const graph add = graph::from_edges(e, {.drop_duplicates = false});
  EXPECT_EQ(add.weights()[0], 7.0);
}

TEST(GraphBuild, UnweightedMultigraphCountsParallelEdges) {
  edge_list e;
  e.src = {0, 0, 1};
  e.dst = {1, 1, 2};
  const graph g = graph::from_edges(e, {.drop_duplicates = false});
  ASSERT_TRUE(g.weighted());
  EXPECT_EQ(g.weights()[0], 2.0);
  EXPECT_EQ(g.weights()[1], 1.0);
  // Without parallel edges no weights are invented.
  e.src = {0, 1};
  e.dst = {1, 2};
  EXPECT_FALSE(graph::from_edges(e, {.drop_duplicates = false}).weighted());
}

TEST(GraphBuild, MakeUndirectedMirrorsAndStaysBinary) {
  edge_list e;
  e.src = {0, 1, 2};
  e.dst = {1, 0, 0};
  const graph g = graph::from_edges(e, {.make_undirected = true});
  EXPECT_TRUE(g.symmetric());
  EXPECT_FALSE(g.weighted());
  EXPECT_EQ(g.num_edges(), 4);  // 0-1, 1-0, 0-2, 2-0
}

TEST(GraphBuild, SelfLoopsKeptOrDropped) {
  edge_list e;
  e.src = {0, 1, 1};
  e.dst = {0, 1, 0};
  EXPECT_EQ(graph::from_edges(e).num_self_loops(), 2);
  const graph d = graph::from_edges(e, {.drop_self_loops = true});
  EXPECT_EQ(d.num_self_loops(), 0);
  EXPECT_EQ(d.num_edges(), 1);
}

TEST(GraphBuild, SymmetryLooksAtWeights) {
  edge_list e;
  e.src = {0, 1};
  e.dst = {1, 0};
  e.weight = {1.0, 2.0};
  EXPECT_FALSE(graph::from_edges(e).symmetric());
  e.weight = {2.0, 2.0};
  EXPECT_TRUE(graph::from_edges(e).symmetric());
}

TEST(GraphBuild, TransposeTwiceIsIdentity) {
  const graph g = test::directed_weighted_graph();
  const graph t = g.transpose();
  EXPECT_EQ(t.num_edges(), g.num_edges());
  const graph tt = t.transpose();
  EXPECT_TRUE(std::ranges::equal(tt.row_ptr(), g.row_ptr()));
  EXPECT_TRUE(std::ranges::equal(tt.col_idx(), g.col_idx()));
  EXPECT_TRUE(std::ranges::equal(tt.weights(), g.weights()));
  // Every (i, j, w) of g is (j, i, w) of t.
  const edge_list e = g.to_edges();
  for (std::size_t k = 0; k < e.src.size(); ++k) {
    const auto row = row_of(t, e.dst[k]);
    EXPECT_NE(std::find(row.begin(), row.end(), e.src[k]), row.end());
  }
}

TEST(GraphBuild, EmptyGraph) {
  const graph g;
  EXPECT_EQ(g.num_nodes(), 0);
  EXPECT_EQ(g.num_edges(), 0);
  EXPECT_EQ(g.row_ptr().size(), 1u);
  const graph_stats s = compute_stats(g);
  EXPECT_EQ(s.nodes, 0);
  edge_list e;
  e.num_nodes = 3;
  const graph no_edges = graph::from_edges(e);
  EXPECT_EQ(no_edges.num_nodes(), 3);
  EXPECT_EQ(compute_stats(no_edges).isolated, 3);
}

TEST(GraphBuild, BadEdgesNameTheEdge) {
  edge_list e;
  e.src = {0, -4};
  e.dst = {1, 2};
  try {
    graph::from_edges(e);
    FAIL();
  } catch (const invalid_argument& ex) {
    EXPECT_NE(std::string(ex.what()).find("edge 1 (-4 -> 2)"),
              std::string::npos)
        << ex.what();
  }
  e.src = {0, 5};
  e.num_nodes = 3;
  EXPECT_THROW(graph::from_edges(e), invalid_argument);
  e.num_nodes = -1;
  e.dst = {1};
  EXPECT_THROW(graph::from_edges(e), invalid_argument);
  e.dst = {1, 2};
  for (double bad : {-1.0, double(NAN), double(INFINITY)}) {
    e.weight = {1.0, bad};
    EXPECT_THROW(graph::from_edges(e), invalid_argument) << bad;
  }
  e.weight.clear();
  e.num_nodes = max_nodes + 1;
  EXPECT_THROW(graph::from_edges(e), limit_error);
}

TEST(GraphBuild, FromCsrChecksInvariants) {
  EXPECT_NO_THROW(graph::from_csr(2, {0, 1, 2}, {1, 0}));
  EXPECT_THROW(graph::from_csr(2, {0, 1}, {1}), invalid_argument);
  EXPECT_THROW(graph::from_csr(2, {0, 2, 1}, {1, 0}), invalid_argument);
  EXPECT_THROW(graph::from_csr(2, {0, 2, 2}, {1, 1}), invalid_argument);
  EXPECT_THROW(graph::from_csr(2, {0, 1, 2}, {1, 2}), invalid_argument);
  EXPECT_THROW(graph::from_csr(2, {0, 1, 2}, {1, 0}, {1.0, -1.0}),
               invalid_argument);
}

TEST(GraphStats, CountsDegreesAndIsolatedNodes) {
  edge_list e;
  e.num_nodes = 5;
  e.src = {0, 0, 1, 4};
  e.dst = {1, 2, 2, 4};  // node 3 isolated, node 4 only a self-loop
  const graph_stats s = compute_stats(graph::from_edges(e));
  EXPECT_EQ(s.nodes, 5);
  EXPECT_EQ(s.edges, 4);
  EXPECT_EQ(s.self_loops, 1);
  EXPECT_EQ(s.min_degree, 0);
  EXPECT_EQ(s.max_degree, 2);
  EXPECT_DOUBLE_EQ(s.mean_degree, 0.8);
  EXPECT_EQ(s.isolated, 2);
}

// The normalised operator ------------------------------------------------

class AdjacencyDense
    : public ::testing::TestWithParam<std::tuple<normalization, double, int>> {
};

// Every coefficient of A^ as the backends compute it (row scale * weight *
// column scale, plus the diagonal) equals the dense definition.
TEST_P(AdjacencyDense, CoefficientsMatchDefinition) {
  const auto [norm, gamma, which] = GetParam();
  const graph g =
      which == 0 ? test::undirected_graph() : test::directed_weighted_graph();
  const normalized_adjacency a(g, {.norm = norm, .self_loop = gamma});
  const auto dense = test::dense_operator(g, norm, gamma);
  const std::int64_t n = g.num_nodes();
  std::vector<double> rebuilt(static_cast<std::size_t>(n * n), 0.0);
  const graph& s = a.structure();
  for (std::int64_t i = 0; i < n; ++i) {
    rebuilt[i * n + i] = a.row_scale()[i] * a.diagonal()[i] * a.col_scale()[i];
    for (auto k = s.row_ptr()[i]; k < s.row_ptr()[i + 1]; ++k) {
      rebuilt[i * n + s.col_idx()[k]] +=
          a.row_scale()[i] * s.weight(k) * a.col_scale()[s.col_idx()[k]];
    }
  }
  double frob = 0.0;
  for (std::int64_t k = 0; k < n * n; ++k) {
    EXPECT_NEAR(rebuilt[k], dense[k], 1e-15) << "entry " << k;
    frob += dense[k] * dense[k];
  }
  EXPECT_NEAR(a.frobenius_norm_sq(), frob, 1e-12 * frob);
  // The transposed structure is the transpose of the loop-free graph.
  const graph t = g.without_self_loops().transpose();
  EXPECT_TRUE(std::ranges::equal(a.transposed().row_ptr(), t.row_ptr()));
  EXPECT_TRUE(std::ranges::equal(a.transposed().col_idx(), t.col_idx()));
  EXPECT_TRUE(std::ranges::equal(a.transposed().weights(), t.weights()));
  EXPECT_EQ(a.symmetric_structure(), which == 0);
}

INSTANTIATE_TEST_SUITE_P(
    Normalisations, AdjacencyDense,
    ::testing::Combine(::testing::ValuesIn(all_normalizations),
                       ::testing::Values(0.0, 1.0, 2.5),
                       ::testing::Values(0, 1)));

TEST(Adjacency, SelfLoopsOfTheInputAddToGamma) {
  edge_list e;
  e.src = {0, 0, 1};
  e.dst = {0, 1, 0};
  e.weight = {3.0, 1.0, 1.0};
  const normalized_adjacency a(graph::from_edges(e), {.self_loop = 1.0});
  EXPECT_EQ(a.structure().num_self_loops(), 0);
  EXPECT_EQ(a.diagonal()[0], 4.0);
  EXPECT_EQ(a.diagonal()[1], 1.0);
  EXPECT_EQ(a.degrees()[0], 5.0);
}

TEST(Adjacency, BadSelfLoopWeightIsRefused) {
  EXPECT_THROW(
      normalized_adjacency(test::undirected_graph(), {.self_loop = -1.0}),
      invalid_argument);
  EXPECT_THROW(
      normalized_adjacency(test::undirected_graph(), {.self_loop = NAN}),
      invalid_argument);
}

// Generators ---------------------------------------------------------------

TEST(Rmat, DeterministicAndSized) {
  const rmat_options o{.scale = 10, .edge_factor = 8, .seed = 3};
  const graph a = make_rmat(o);
  const graph b = make_rmat(o);
  EXPECT_EQ(a.num_nodes(), 1024);
  EXPECT_TRUE(std::ranges::equal(a.col_idx(), b.col_idx()));
  EXPECT_TRUE(std::ranges::equal(a.row_ptr(), b.row_ptr()));
  // Duplicates and loops are dropped, so fewer than 8 * 1024 remain, but
  // most survive at this density.
  EXPECT_LE(a.num_edges(), 8 * 1024);
  EXPECT_GT(a.num_edges(), 6 * 1024);
  EXPECT_EQ(a.num_self_loops(), 0);
  // Skew: the largest degree is far above the mean.
  const auto s = compute_stats(a);
  EXPECT_GT(s.max_degree, 5 * s.mean_degree);
  const graph c = make_rmat({.scale = 10, .edge_factor = 8, .seed = 4});
  EXPECT_FALSE(std::ranges::equal(a.col_idx(), c.col_idx()));
}

TEST(Rmat, BadOptionsAreRefused) {
  EXPECT_THROW(make_rmat({.scale = 31}), invalid_argument);
  EXPECT_THROW(make_rmat({.scale = 4, .edge_factor = -1}), invalid_argument);
  EXPECT_THROW(make_rmat({.scale = 4, .a = 0.9}), invalid_argument);
}

TEST(Csbm, DeterministicBalancedAndHomophilous) {
  const csbm_options o{.nodes = 400,
                       .classes = 4,
                       .p_intra = 0.05,
                       .p_inter = 0.005,
                       .features = 8,
                       .seed = 9};
  const dataset a = make_csbm(o);
  const dataset b = make_csbm(o);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_TRUE(std::ranges::equal(a.features.values(), b.features.values()));
  EXPECT_TRUE(a.structure.symmetric());
  std::vector<int> count(4, 0);
  for (auto l : a.labels)
    ++count[l];
  for (int c : count)
    EXPECT_EQ(c, 100);
  // Intra-class edges dominate: expected 4 * C(100, 2) * 0.05 = 990 pairs
  // against 6 * 100 * 100 * 0.005 = 300.
  const edge_list e = a.structure.to_edges();
  std::int64_t intra = 0;
  for (std::size_t k = 0; k < e.src.size(); ++k) {
    intra += a.labels[e.src[k]] == a.labels[e.dst[k]];
  }
  const double pairs = static_cast<double>(e.src.size()) / 2;
  EXPECT_NEAR(intra / 2.0, 990, 150);
  EXPECT_NEAR(pairs - intra / 2.0, 300, 80);
  EXPECT_EQ(a.train.size() + a.val.size() + a.test.size(), 400u);
  EXPECT_EQ(a.train.size(), 80u);
}

TEST(Csbm, BadOptionsAreRefused) {
  EXPECT_THROW(make_csbm({.nodes = 0}), invalid_argument);
  EXPECT_THROW(make_csbm({.nodes = 10, .classes = 11}), invalid_argument);
  EXPECT_THROW(make_csbm({.p_intra = 1.5}), invalid_argument);
  EXPECT_THROW(make_csbm({.train_fraction = 0.7, .val_fraction = 0.7}),
               invalid_argument);
}

}  // namespace
}  // namespace gcnops
