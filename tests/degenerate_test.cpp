// Degenerate graphs through every stage: building, statistics, the
// normalised operator under each normalisation and gamma, and every CPU
// operator forward and backward. docs/ROBUSTNESS.md states the semantics
// these tests pin down:
//   - the empty graph is a no-op everywhere (0 x F in, 0 x F out);
//   - a node with d~ = 0 (no out-edges, or only zero weights, and gamma =
//     0) gets coefficient 0, in its row and, under sym, in its column;
//   - self-loops of the input are kept and gamma is added on top;
//   - parallel edges merge into the largest weight, or their sum with
//     drop_duplicates = false;
//   - a directed edge counts in its source's out-degree only.
#include <gtest/gtest.h>

#include <cmath>

#include "test_util.hpp"

namespace gcnops {
namespace {

using test::dense_apply;
using test::dense_operator;
using test::random_matrix;

struct degenerate_case {
  std::string name;
  edge_list edges;
  graph_options options;
  graph_stats stats;  // what compute_stats must report
};

// Statistics in the order nodes, edges, loops, min/max/mean degree,
// isolated, symmetric, weighted.
graph_stats stats(std::int64_t nodes, std::int64_t edges, std::int64_t loops,
                  std::int64_t min_degree, std::int64_t max_degree,
                  double mean_degree, std::int64_t isolated, bool symmetric,
                  bool weighted) {
  return {nodes,       edges,    loops,     min_degree, max_degree,
          mean_degree, isolated, symmetric, weighted};
}

std::vector<degenerate_case> cases() {
  return {
      {"empty",
       edge_list{.num_nodes = 0},
       {},
       stats(0, 0, 0, 0, 0, 0, 0, true, false)},
      {"one_node",
       edge_list{.num_nodes = 1},
       {},
       stats(1, 0, 0, 0, 0, 0, 1, true, false)},
      {"no_edges",
       edge_list{.num_nodes = 5},
       {},
       stats(5, 0, 0, 0, 0, 0, 5, true, false)},
      {"isolated_nodes",
       edge_list{.num_nodes = 6, .src = {0, 1}, .dst = {1, 2}},
       {.make_undirected = true},
       stats(6, 4, 0, 0, 2, 4.0 / 6, 3, true, false)},
      {"existing_self_loops",
       edge_list{.num_nodes = 4,
                 .src = {0, 0, 1, 3},
                 .dst = {0, 1, 1, 3},
                 .weight = {2.0, 1.0, 0.5, 3.0}},
       {},
       stats(4, 4, 3, 0, 2, 1.0, 2, false, true)},
      {"only_a_self_loop",
       edge_list{.num_nodes = 2, .src = {1}, .dst = {1}},
       {},
       stats(2, 1, 1, 0, 1, 0.5, 2, true, false)},
      {"duplicates_kept_largest",
       edge_list{.num_nodes = 3,
                 .src = {0, 0, 1, 1},
                 .dst = {1, 1, 2, 2},
                 .weight = {1.0, 4.0, 2.0, 2.0}},
       {},
       stats(3, 2, 0, 0, 1, 2.0 / 3, 0, false, true)},
      {"duplicates_summed",
       edge_list{.num_nodes = 3, .src = {0, 0, 0, 1}, .dst = {1, 1, 1, 2}},
       {.drop_duplicates = false},
       stats(3, 2, 0, 0, 1, 2.0 / 3, 0, false, true)},
      {"one_way_edges",
       edge_list{.num_nodes = 4, .src = {0, 1, 2}, .dst = {1, 2, 3}},
       {},
       stats(4, 3, 0, 0, 1, 0.75, 0, false, false)},
      {"zero_weights",
       edge_list{
           .num_nodes = 3, .src = {0, 1}, .dst = {1, 0}, .weight = {0.0, 0.0}},
       {},
       stats(3, 2, 0, 0, 1, 2.0 / 3, 1, true, true)},
  };
}

class Degenerate : public ::testing::TestWithParam<degenerate_case> {
 protected:
  graph g_ = graph::from_edges(GetParam().edges, GetParam().options);
};

TEST_P(Degenerate, StatisticsAreAsDocumented) {
  const graph_stats s = compute_stats(g_);
  const graph_stats& want = GetParam().stats;
  EXPECT_EQ(s.nodes, want.nodes);
  EXPECT_EQ(s.edges, want.edges);
  EXPECT_EQ(s.self_loops, want.self_loops);
  EXPECT_EQ(s.min_degree, want.min_degree);
  EXPECT_EQ(s.max_degree, want.max_degree);
  EXPECT_DOUBLE_EQ(s.mean_degree, want.mean_degree);
  EXPECT_EQ(s.isolated, want.isolated);
  EXPECT_EQ(s.symmetric, want.symmetric);
  EXPECT_EQ(s.weighted, want.weighted);
}

// Z = A^ X and A^T X against the dense definition, for every
// normalisation and gamma, widths 1 and 5.
TEST_P(Degenerate, OperatorMatchesTheDefinition) {
  const std::int64_t n = g_.num_nodes();
  for (normalization norm : all_normalizations) {
    for (double gamma : {0.0, 1.0, 2.5}) {
      SCOPED_TRACE(::testing::Message()
                   << to_string(norm) << " gamma " << gamma);
      const normalized_adjacency a(g_, {.norm = norm, .self_loop = gamma});
      const auto dense = dense_operator(g_, norm, gamma);
      EXPECT_TRUE(std::isfinite(a.frobenius_norm_sq()));
      EXPECT_GT(a.rescale_constant(), 0.0);
      for (std::int64_t width : {1, 5}) {
        const auto x = random_matrix<double>(n, width, 3);
        for (bool transpose : {false, true}) {
          matrix<double> z(n, width, NAN);
          cpu::spmm<double>(a, transpose, x, z);
          EXPECT_TRUE(test::near(z, dense_apply(dense, x, transpose), 1e-14))
              << (transpose ? "A^T X" : "A^ X");
        }
      }
    }
  }
}

// Every operator: outputs fully written and finite, and the backward pass
// agrees with a central difference of <G, P(X)> along a random direction.
TEST_P(Degenerate, EveryOperatorRunsForwardAndBackward) {
  const std::int64_t n = g_.num_nodes();
  constexpr std::int64_t width = 3;
  const auto x = random_matrix<double>(n, width, 5);
  const auto g = random_matrix<double>(n, width, 6);
  const auto v = random_matrix<double>(n, width, 7);
  auto inner = [](const matrix<double>& p, const matrix<double>& q) {
    double s = 0.0;
    for (std::int64_t k = 0; k < p.size(); ++k)
      s += p.data()[k] * q.data()[k];
    return s;
  };
  for (normalization norm : all_normalizations) {
    for (double gamma : {0.0, 1.0}) {
      const normalized_adjacency a(g_, {.norm = norm, .self_loop = gamma});
      for (op_kind kind : all_op_kinds) {
        SCOPED_TRACE(::testing::Message()
                     << to_string(kind) << ", " << to_string(norm) << ", gamma "
                     << gamma);
        const op_config cfg{.kind = kind, .alpha = 0.3};
        matrix<double> y(n, width, NAN), dx(n, width, NAN);
        cpu::op_state st;
        cpu::forward<double>(a, cfg, x, y, &st);
        cpu::backward<double>(a, cfg, st, x, y, g, dx);
        for (double e : y.values())
          ASSERT_TRUE(std::isfinite(e)) << "forward";
        for (double e : dx.values())
          ASSERT_TRUE(std::isfinite(e)) << "backward";

        auto loss = [&](double h) {
          matrix<double> xh = x;
          for (std::int64_t k = 0; k < xh.size(); ++k)
            xh.data()[k] += h * v.data()[k];
          matrix<double> out(n, width);
          cpu::forward<double>(a, cfg, xh, out);
          return inner(g, out);
        };
        const double h = 1e-6;
        const double fd = (loss(h) - loss(-h)) / (2 * h);
        EXPECT_NEAR(inner(dx, v), fd, 1e-6 * (1 + std::abs(fd)));
      }
    }
  }
}

std::string case_name(const ::testing::TestParamInfo<degenerate_case>& i) {
  return i.param.name;
}

INSTANTIATE_TEST_SUITE_P(Graphs, Degenerate, ::testing::ValuesIn(cases()),
                         case_name);

// Semantics stated case by case ------------------------------------------

TEST(DegenerateSemantics, EmptyGraphIsANoOp) {
  const graph g = graph::from_edges(edge_list{});
  EXPECT_EQ(g.num_nodes(), 0);
  const normalized_adjacency a(g);
  EXPECT_EQ(a.frobenius_norm_sq(), 0.0);
  EXPECT_EQ(a.rescale_constant(), 1.0);
  EXPECT_EQ(g.transpose().num_nodes(), 0);
  EXPECT_TRUE(g.to_edges().src.empty());
  const matrix<double> x(0, 4);
  EXPECT_EQ(cpu::dirichlet_energy<double>(a, x), 0.0);
  EXPECT_EQ(cpu::energy<double>(x), 0.0);
}

TEST(DegenerateSemantics, OneNodeWithAndWithoutSelfLoopWeight) {
  const graph g = graph::from_edges(edge_list{.num_nodes = 1});
  matrix<double> x(1, 2, 3.0), y(1, 2);
  for (normalization norm : all_normalizations) {
    // gamma = 1: A^ = [1], so plain propagation is the identity.
    cpu::forward<double>(normalized_adjacency(g, {.norm = norm}), {}, x, y);
    EXPECT_EQ(y(0, 0), 3.0) << to_string(norm);
    // gamma = 0: d~ = 0, A^ = [0]; energy keeps Z = 0 (guard), shifted
    // keeps alpha X.
    const normalized_adjacency zero(g, {.norm = norm, .self_loop = 0.0});
    cpu::forward<double>(zero, {.kind = op_kind::energy}, x, y);
    EXPECT_EQ(y(0, 1), 0.0);
    cpu::forward<double>(zero, {.kind = op_kind::shifted, .alpha = 0.25}, x, y);
    EXPECT_EQ(y(0, 1), 0.75);
  }
}

TEST(DegenerateSemantics, NodeWithOnlyASelfLoopKeepsItsSignal) {
  // Node 1 has only a self-loop: compute_stats counts it isolated (no
  // edge to another node), yet with gamma = 0 its d~ = 1, so A^_11 = 1.
  const graph g =
      graph::from_edges(edge_list{.num_nodes = 2, .src = {1}, .dst = {1}});
  EXPECT_EQ(compute_stats(g).isolated, 2);
  const normalized_adjacency a(g, {.self_loop = 0.0});
  matrix<double> x(2, 1, 4.0), y(2, 1);
  cpu::forward<double>(a, {}, x, y);
  EXPECT_EQ(y(0, 0), 0.0);
  EXPECT_EQ(y(1, 0), 4.0);
  // Dropping the loop makes node 1 a zero row as well.
  const normalized_adjacency dropped(
      graph::from_edges(edge_list{.num_nodes = 2, .src = {1}, .dst = {1}},
                        {.drop_self_loops = true}),
      {.self_loop = 0.0});
  cpu::forward<double>(dropped, {}, x, y);
  EXPECT_EQ(y(1, 0), 0.0);
}

TEST(DegenerateSemantics, OneWayEdgeCountsInTheSourceDegreeOnly) {
  const graph g =
      graph::from_edges(edge_list{.num_nodes = 2, .src = {0}, .dst = {1}});
  matrix<double> x(2, 1), y(2, 1);
  x(0, 0) = 1.0;
  x(1, 0) = 10.0;
  // rw, gamma = 0: node 0 averages its one neighbour, node 1 has d~ = 0.
  cpu::forward<double>(
      normalized_adjacency(g, {.norm = normalization::rw, .self_loop = 0}), {},
      x, y);
  EXPECT_EQ(y(0, 0), 10.0);
  EXPECT_EQ(y(1, 0), 0.0);
  // sym, gamma = 0: the column scale of node 1 is d~_1^-1/2 with d~_1 = 0,
  // so the edge into it gets coefficient 0 as well.
  cpu::forward<double>(normalized_adjacency(g, {.self_loop = 0}), {}, x, y);
  EXPECT_EQ(y(0, 0), 0.0);
  // sym, gamma = 1: d~ = (2, 1), A^_01 = 1 / sqrt(2).
  cpu::forward<double>(normalized_adjacency(g), {}, x, y);
  EXPECT_DOUBLE_EQ(y(0, 0), 0.5 + 10.0 / std::sqrt(2.0));
}

TEST(DegenerateSemantics, ParallelEdgesMergeBeforeNormalisation) {
  // Three parallel 0 -> 1 edges: weight 1 when merged (the default), 3
  // when summed; the degree of node 0 follows.
  const edge_list e{.num_nodes = 2, .src = {0, 0, 0}, .dst = {1, 1, 1}};
  const normalized_adjacency merged(graph::from_edges(e));
  const normalized_adjacency summed(
      graph::from_edges(e, {.drop_duplicates = false}));
  EXPECT_EQ(merged.degrees()[0], 2.0);
  EXPECT_EQ(summed.degrees()[0], 4.0);
}

}  // namespace
}  // namespace gcnops
