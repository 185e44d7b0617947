// The device-side graph preparation (kernels/graph_prep.cuh), compiled here
// for Thrust's OpenMP system so that it runs without a GPU, against the
// host's normalized_adjacency: the same source the CUDA backend runs.
#include <gtest/gtest.h>

#include <thrust/execution_policy.h>
#include <thrust/host_vector.h>

#include "../kernels/graph_prep.cuh"
#include "test_util.hpp"

namespace gcnops {
namespace {

template <class T>
std::vector<T> host(const kernels::dvec<T>& v) {
  thrust::host_vector<T> h(v.begin(), v.end());
  return {h.begin(), h.end()};
}

kernels::prepared_graph prepare(const graph& g, normalization norm,
                                double gamma, std::int64_t long_edges = 512,
                                std::int64_t tile = 256) {
  const kernels::graph_prep_input in = kernels::prep_input(
      g, {.norm = norm, .self_loop = gamma}, long_edges, tile);
  return kernels::prepare_graph(thrust::device, in);
}

void expect_floats_near(const std::vector<float>& got,
                        std::span<const double> want, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t k = 0; k < got.size(); ++k) {
    EXPECT_NEAR(got[k], want[k], 1e-6 * std::max(1.0, std::abs(want[k])))
        << what << "[" << k << "]";
  }
}

class GraphPrep
    : public ::testing::TestWithParam<std::tuple<normalization, int>> {};

TEST_P(GraphPrep, MatchesNormalizedAdjacency) {
  const auto [norm, which] = GetParam();
  graph g;
  if (which == 0) {
    g = test::undirected_graph();
  } else if (which == 1) {
    g = test::directed_weighted_graph();  // has a self-loop
  } else {
    g = make_rmat({.scale = 9,
                   .edge_factor = 12,
                   .seed = 2,
                   .graph = {.make_undirected = false}});  // keeps loops
  }
  const double gamma = 1.5;
  const normalized_adjacency a(g, {.norm = norm, .self_loop = gamma});
  const auto p = prepare(g, norm, gamma);

  EXPECT_EQ(p.self_loops, g.num_self_loops());
  EXPECT_EQ(host(p.row_ptr),
            std::vector<std::int64_t>(a.structure().row_ptr().begin(),
                                      a.structure().row_ptr().end()));
  EXPECT_EQ(host(p.col),
            std::vector<std::int32_t>(a.structure().col_idx().begin(),
                                      a.structure().col_idx().end()));
  if (g.weighted()) {
    expect_floats_near(host(p.weight), a.structure().weights(), "weight");
  } else {
    EXPECT_TRUE(p.weight.empty());
  }
  expect_floats_near(host(p.row_scale), a.row_scale(), "row_scale");
  expect_floats_near(host(p.col_scale), a.col_scale(), "col_scale");
  expect_floats_near(host(p.diag), a.diagonal(), "diag");
  // Device weights are float, so weighted graphs agree to float rounding.
  EXPECT_NEAR(p.frobenius_sq, a.frobenius_norm_sq(),
              (g.weighted() ? 1e-6 : 1e-12) * a.frobenius_norm_sq());

  EXPECT_EQ(p.symmetric, g.symmetric());
  if (!g.symmetric()) {
    const graph& t = a.transposed();
    EXPECT_EQ(host(p.t_row_ptr), std::vector<std::int64_t>(t.row_ptr().begin(),
                                                           t.row_ptr().end()));
    EXPECT_EQ(host(p.t_col), std::vector<std::int32_t>(t.col_idx().begin(),
                                                       t.col_idx().end()));
    if (g.weighted()) {
      expect_floats_near(host(p.t_weight), t.weights(), "t_weight");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Graphs, GraphPrep,
    ::testing::Combine(::testing::ValuesIn(all_normalizations),
                       ::testing::Values(0, 1, 2)));

TEST(GraphPrepTiles, LongRowsAreCutIntoTiles) {
  // A star: node 0 has 10 neighbours; with long rows above 3 edges and
  // tiles of 4 edges, row 0 becomes tiles [0,4) [4,8) [8,10).
  edge_list e;
  for (int j = 1; j <= 10; ++j) {
    e.src.push_back(0);
    e.dst.push_back(j);
  }
  e.src.push_back(3);
  e.dst.push_back(5);
  const graph g = graph::from_edges(e);
  const auto p = prepare(g, normalization::sym, 1.0, 3, 4);
  EXPECT_EQ(host(p.forward_tiles.long_rows), (std::vector<std::int32_t>{0}));
  EXPECT_EQ(host(p.forward_tiles.tile_offset),
            (std::vector<std::int32_t>{0, 3}));
  EXPECT_EQ(host(p.forward_tiles.tile_begin),
            (std::vector<std::int64_t>{0, 4, 8}));
  EXPECT_EQ(host(p.forward_tiles.tile_end),
            (std::vector<std::int64_t>{4, 8, 10}));
  // Backward walks A^T, whose rows have at most 1 edge: no long rows.
  EXPECT_TRUE(p.backward_tiles.long_rows.empty());
  EXPECT_EQ(host(p.backward_tiles.tile_offset), (std::vector<std::int32_t>{0}));
}

TEST(GraphPrepTiles, EmptyGraphAndGraphWithoutEdges) {
  const auto p = prepare(graph{}, normalization::sym, 1.0);
  EXPECT_EQ(p.n, 0);
  EXPECT_EQ(p.frobenius_sq, 0.0);
  edge_list e;
  e.num_nodes = 3;
  const auto q = prepare(graph::from_edges(e), normalization::rw, 0.0);
  EXPECT_EQ(host(q.row_scale), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(host(q.row_ptr), (std::vector<std::int64_t>{0, 0, 0, 0}));
}

}  // namespace
}  // namespace gcnops
