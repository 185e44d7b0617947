// The CUDA operators against the CPU reference in double: every operator,
// normalisation and direction, odd widths, empty rows, isolated nodes, hub
// rows on the tiled path, poisoned outputs, the fused layer epilogue and
// prologue, the energy probe, determinism and argument checks.
//
// Every test skips with the reason when no CUDA device is usable.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "gcnops/cuda/graph.hpp"
#include "gcnops/cuda/propagate.hpp"
#include "test_util.hpp"

namespace gcnops {
namespace {

using cuda::device_buffer;

#define GCNOPS_REQUIRE_DEVICE()                          \
  do {                                                   \
    if (!cuda::device_available()) {                     \
      GTEST_SKIP() << "no usable CUDA device: "          \
                   << cuda::device_unavailable_reason(); \
    }                                                    \
  } while (0)

constexpr double kTolerance = 1e-5;

device_buffer<float> upload(const matrix<float>& m) {
  device_buffer<float> d(static_cast<std::size_t>(m.size()));
  d.upload(m.values());
  return d;
}

device_buffer<float> upload(const std::vector<float>& v) {
  device_buffer<float> d(v.size());
  d.upload(v);
  return d;
}

// A buffer of NaNs, so that an element a kernel forgets to write shows.
device_buffer<float> poisoned(std::int64_t rows, std::int64_t cols) {
  return upload(matrix<float>(rows, cols, NAN));
}

matrix<double> download(const device_buffer<float>& d, std::int64_t rows,
                        std::int64_t cols) {
  matrix<float> h(rows, cols);
  d.download(h.values());
  return matrix_cast<double, float>(h);
}

enum class test_graph { undirected, directed_weighted, hub_tiles };

void PrintTo(test_graph g, std::ostream* out) {
  *out << (g == test_graph::undirected          ? "undirected"
           : g == test_graph::directed_weighted ? "directed_weighted"
                                                : "hub_tiles");
}

// R-MAT graphs with skewed degrees; isolated nodes appear naturally, and
// one extra isolated node is added at the end. hub_tiles lowers the
// long-row limit so that many rows take the tiled path.
graph build_graph(test_graph kind) {
  rmat_options o{.scale = 9, .edge_factor = 8, .seed = 17};
  o.graph.make_undirected = kind == test_graph::undirected;
  edge_list e = make_rmat(o).to_edges();
  e.num_nodes += 1;
  if (kind != test_graph::undirected) {
    rng gen(3);
    e.weight.resize(e.src.size());
    for (double& w : e.weight)
      w = 0.1 + 2.0 * gen.uniform();
  }
  return graph::from_edges(e);
}

cuda::device_graph_options device_options(test_graph kind) {
  if (kind == test_graph::hub_tiles) {
    return {.long_row_edges = 12, .tile_edges = 5};
  }
  return {};
}

op_config config_for(op_kind k) {
  return {.kind = k, .alpha = 0.3, .scale = 1.7, .eps = 1e-3};
}

using param = std::tuple<op_kind, normalization, test_graph>;

class CudaOperator : public ::testing::TestWithParam<param> {
 protected:
  void SetUp() override {
    GCNOPS_REQUIRE_DEVICE();
    const auto [kind, norm, gk] = GetParam();
    g_ = build_graph(gk);
    adj_ = normalized_adjacency(g_, {.norm = norm, .self_loop = 1.0});
    dev_ = std::make_unique<cuda::device_graph>(
        g_, adjacency_options{.norm = norm, .self_loop = 1.0},
        device_options(gk));
    cfg_ = config_for(kind);
    n_ = g_.num_nodes();
  }

  // Forward and backward at width w against the CPU in double.
  void check_width(std::int64_t w) {
    SCOPED_TRACE(::testing::Message() << "F = " << w);
    const auto x = test::random_matrix<float>(n_, w, 101 + w);
    const auto g = test::random_matrix<float>(n_, w, 102 + w);
    const auto xd = matrix_cast<double, float>(x);
    const auto gd = matrix_cast<double, float>(g);

    // 1. Reference in double.
    matrix<double> y_ref(n_, w), dx_ref(n_, w);
    cpu::op_state st;
    cpu::forward<double>(adj_, cfg_, xd, y_ref, &st);
    cpu::backward<double>(adj_, cfg_, st, xd, y_ref, gd, dx_ref);

    // 2. Device, into poisoned outputs.
    cuda::propagation_plan plan(*dev_, w);
    cuda::device_op_state state(w);
    auto dx_in = upload(x);
    auto dg = upload(g);
    auto dy = poisoned(n_, w);
    auto ddx = poisoned(n_, w);
    plan.forward(cfg_, dx_in.data(), dy.data(), state);
    plan.backward(cfg_, state, dx_in.data(), dy.data(), dg.data(), ddx.data());
    cuda::synchronize(nullptr);

    EXPECT_TRUE(test::near(download(dy, n_, w), y_ref, kTolerance))
        << "forward";
    EXPECT_TRUE(test::near(download(ddx, n_, w), dx_ref, kTolerance))
        << "backward";
  }

  graph g_;
  normalized_adjacency adj_;
  std::unique_ptr<cuda::device_graph> dev_;
  op_config cfg_;
  std::int64_t n_ = 0;
};

// Widths cover every layout: scalar and vector loads, one or two per lane,
// one to three column slabs, groups of 1 to 32 lanes.
TEST_P(CudaOperator, ForwardAndBackwardMatchCpuDouble) {
  for (std::int64_t w : {1, 2, 3, 4, 7, 32, 33, 64, 100, 130, 256, 300, 516}) {
    check_width(w);
  }
}

std::string param_name(const ::testing::TestParamInfo<param>& info) {
  const auto [kind, norm, gk] = info.param;
  std::ostringstream out;
  out << to_string(kind) << "_" << to_string(norm) << "_";
  PrintTo(gk, &out);
  return out.str();
}

INSTANTIATE_TEST_SUITE_P(
    AllOperators, CudaOperator,
    ::testing::Combine(::testing::ValuesIn(all_op_kinds),
                       ::testing::ValuesIn(all_normalizations),
                       ::testing::Values(test_graph::undirected,
                                         test_graph::directed_weighted,
                                         test_graph::hub_tiles)),
    param_name);

// The fused layer -------------------------------------------------------

struct layer_case {
  op_kind kind;
  activation act;
  bool residual;
  int width;
};

void PrintTo(const layer_case& c, std::ostream* out) {
  *out << to_string(c.kind) << "/" << to_string(c.act)
       << (c.residual ? "/residual" : "") << "/F" << c.width;
}

class CudaLayer : public ::testing::TestWithParam<layer_case> {};

TEST_P(CudaLayer, EpilogueAndPrologueMatchCpuComposition) {
  GCNOPS_REQUIRE_DEVICE();
  const layer_case c = GetParam();
  const graph g = build_graph(test_graph::hub_tiles);
  const std::int64_t n = g.num_nodes();
  const std::int64_t w = c.width;
  const normalized_adjacency adj(g);
  const cuda::device_graph dev(g, {}, device_options(test_graph::hub_tiles));
  const op_config cfg = config_for(c.kind);

  const auto x = test::random_matrix<float>(n, w, 201);
  const auto res = test::random_matrix<float>(n, w, 202);
  const auto d_out = test::random_matrix<float>(n, w, 203);
  const auto bias_m = test::random_matrix<float>(1, w, 204);
  const std::vector<float> bias(bias_m.values().begin(), bias_m.values().end());

  // 1. CPU composition in double.
  const auto xd = matrix_cast<double, float>(x);
  matrix<double> y(n, w), out(n, w), gd(n, w), dx(n, w);
  cpu::op_state st;
  cpu::forward<double>(adj, cfg, xd, y, &st);
  std::vector<double> d_bias(static_cast<std::size_t>(w), 0.0);
  double energy = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t f = 0; f < w; ++f) {
      const double u = y(i, f) + bias[f];
      out(i, f) = activate(c.act, u) + (c.residual ? res(i, f) : 0.0);
      energy += out(i, f) * out(i, f);
      gd(i, f) = d_out(i, f) * activate_grad(c.act, u);
      d_bias[f] += gd(i, f);
    }
  }
  cpu::backward<double>(adj, cfg, st, xd, y, gd, dx);

  // 2. The same on the device, fused.
  cuda::propagation_plan plan(dev, w);
  cuda::device_op_state state(w);
  auto dx_in = upload(x);
  auto dres = upload(res);
  auto ddo = upload(d_out);
  auto dbias = upload(bias);
  auto dy = poisoned(n, w);
  auto dout = poisoned(n, w);
  auto ddx = poisoned(n, w);
  auto ddb = upload(std::vector<float>(static_cast<std::size_t>(w), NAN));
  plan.forward(cfg, dx_in.data(), dy.data(), state,
               {.act = c.act,
                .bias = dbias.data(),
                .residual = c.residual ? dres.data() : nullptr,
                .out = dout.data(),
                .energy = true});
  const double got_energy = plan.last_energy();
  plan.backward(cfg, state, dx_in.data(), dy.data(), ddo.data(), ddx.data(),
                {.act = c.act, .bias = dbias.data(), .d_bias = ddb.data()});

  EXPECT_TRUE(test::near(download(dy, n, w), y, kTolerance)) << "y";
  EXPECT_TRUE(test::near(download(dout, n, w), out, kTolerance)) << "out";
  EXPECT_TRUE(test::near(download(ddx, n, w), dx, kTolerance)) << "dx";
  const auto db = ddb.to_host();
  const auto s = test::compare(db.data(), d_bias.data(), w);
  EXPECT_LE(s.max_rel, kTolerance) << "d_bias: " << test::describe(s);
  EXPECT_NEAR(got_energy, energy, kTolerance * energy);
}

INSTANTIATE_TEST_SUITE_P(
    Layers, CudaLayer,
    ::testing::Values(
        layer_case{op_kind::plain, activation::relu, false, 64},
        layer_case{op_kind::plain, activation::tanh, true, 7},
        layer_case{op_kind::shifted, activation::relu, true, 64},
        layer_case{op_kind::rescaled, activation::identity, false, 130},
        layer_case{op_kind::energy, activation::relu, true, 64},
        layer_case{op_kind::energy_col, activation::tanh, false, 33},
        layer_case{op_kind::mean_centered, activation::relu, false, 256},
        layer_case{op_kind::pairnorm, activation::relu, true, 64},
        layer_case{op_kind::pairnorm, activation::identity, false, 3}));

// Determinism, edge cases, arguments ---------------------------------------

TEST(CudaDeterminism, BitwiseIdenticalRunToRun) {
  GCNOPS_REQUIRE_DEVICE();
  const graph g = build_graph(test_graph::hub_tiles);
  const std::int64_t n = g.num_nodes();
  const cuda::device_graph dev(g, {.norm = normalization::rw},
                               device_options(test_graph::hub_tiles));
  const auto x = test::random_matrix<float>(n, 64, 301);
  auto dx_in = upload(x);
  auto d_out = upload(test::random_matrix<float>(n, 64, 302));
  for (op_kind k : all_op_kinds) {
    std::vector<float> first_y, first_dx;
    for (int run = 0; run < 3; ++run) {
      cuda::propagation_plan plan(dev, 64);
      cuda::device_op_state state(64);
      auto dy = poisoned(n, 64);
      auto ddx = poisoned(n, 64);
      plan.forward({.kind = k}, dx_in.data(), dy.data(), state);
      plan.backward({.kind = k}, state, dx_in.data(), dy.data(), d_out.data(),
                    ddx.data());
      const auto y = dy.to_host();
      const auto dx = ddx.to_host();
      if (run == 0) {
        first_y = y;
        first_dx = dx;
        continue;
      }
      EXPECT_EQ(0, std::memcmp(y.data(), first_y.data(), 4 * y.size()))
          << to_string(k) << " forward, run " << run;
      EXPECT_EQ(0, std::memcmp(dx.data(), first_dx.data(), 4 * dx.size()))
          << to_string(k) << " backward, run " << run;
    }
  }
}

TEST(CudaEdgeCases, HubWithThousandsOfNeighbours) {
  GCNOPS_REQUIRE_DEVICE();
  // Node 0 points to 5000 nodes and 4000 of them point back; with the
  // default limits its row is cut into tiles, while the others stay short.
  edge_list e;
  e.num_nodes = 5001;
  rng gen(11);
  for (int j = 1; j <= 5000; ++j) {
    e.src.push_back(0);
    e.dst.push_back(j);
    e.weight.push_back(0.5 + gen.uniform());
    if (j <= 4000) {
      e.src.push_back(j);
      e.dst.push_back(0);
      e.weight.push_back(0.5 + gen.uniform());
    }
  }
  const graph g = graph::from_edges(e);
  const normalized_adjacency adj(g);
  const cuda::device_graph dev(g);
  EXPECT_EQ(dev.num_long_rows(), 1);
  for (op_kind k : {op_kind::plain, op_kind::energy, op_kind::pairnorm}) {
    const std::int64_t n = g.num_nodes();
    const auto x = test::random_matrix<float>(n, 64, 401);
    const auto gr = test::random_matrix<float>(n, 64, 402);
    const auto xd = matrix_cast<double, float>(x);
    const auto gd = matrix_cast<double, float>(gr);
    matrix<double> y(n, 64), dx(n, 64);
    cpu::op_state st;
    cpu::forward<double>(adj, {.kind = k}, xd, y, &st);
    cpu::backward<double>(adj, {.kind = k}, st, xd, y, gd, dx);

    cuda::propagation_plan plan(dev, 64);
    cuda::device_op_state state(64);
    auto dxi = upload(x);
    auto dg = upload(gr);
    auto dy = poisoned(n, 64);
    auto ddx = poisoned(n, 64);
    plan.forward({.kind = k}, dxi.data(), dy.data(), state);
    plan.backward({.kind = k}, state, dxi.data(), dy.data(), dg.data(),
                  ddx.data());
    EXPECT_TRUE(test::near(download(dy, n, 64), y, kTolerance)) << k;
    EXPECT_TRUE(test::near(download(ddx, n, 64), dx, kTolerance)) << k;
  }
}

TEST(CudaEdgeCases, EmptyGraphAndZeroWidth) {
  GCNOPS_REQUIRE_DEVICE();
  const cuda::device_graph empty(graph{});
  cuda::propagation_plan plan(empty, 8);
  cuda::device_op_state state(8);
  for (op_kind k : all_op_kinds) {
    EXPECT_NO_THROW(plan.forward({.kind = k}, nullptr, nullptr, state));
  }
  const cuda::device_graph small(test::undirected_graph());
  cuda::propagation_plan zero(small, 0);
  cuda::device_op_state zstate(0);
  EXPECT_NO_THROW(zero.forward({}, nullptr, nullptr, zstate));
}

TEST(CudaEdgeCases, IsolatedNodesWithoutSelfLoopStayFinite) {
  GCNOPS_REQUIRE_DEVICE();
  edge_list e;
  e.num_nodes = 6;
  e.src = {0, 1};
  e.dst = {1, 2};
  const graph g = graph::from_edges(e, {.make_undirected = true});
  for (normalization norm : all_normalizations) {
    const cuda::device_graph dev(g, {.norm = norm, .self_loop = 0.0});
    cuda::propagation_plan plan(dev, 5);
    for (op_kind k : all_op_kinds) {
      cuda::device_op_state state(5);
      auto x = upload(test::random_matrix<float>(6, 5, 7));
      auto y = poisoned(6, 5);
      auto dx = poisoned(6, 5);
      plan.forward({.kind = k}, x.data(), y.data(), state);
      plan.backward({.kind = k}, state, x.data(), y.data(), x.data(),
                    dx.data());
      for (float v : y.to_host())
        ASSERT_TRUE(std::isfinite(v)) << k << norm;
      for (float v : dx.to_host())
        ASSERT_TRUE(std::isfinite(v)) << k << norm;
    }
  }
}

TEST(CudaArguments, RejectedBeforeAnyLaunch) {
  GCNOPS_REQUIRE_DEVICE();
  const cuda::device_graph dev(test::undirected_graph());
  cuda::propagation_plan plan(dev, 4);
  cuda::device_op_state state(4);
  cuda::device_op_state wrong(5);
  auto x = upload(matrix<float>(dev.num_nodes(), 4, 1.0f));
  auto y = poisoned(dev.num_nodes(), 4);
  EXPECT_THROW(plan.forward({}, x.data(), y.data(), wrong), invalid_argument);
  EXPECT_THROW(plan.forward({}, nullptr, y.data(), state), invalid_argument);
  EXPECT_THROW(plan.forward({}, x.data(), x.data(), state), invalid_argument);
  EXPECT_THROW(plan.forward({.kind = op_kind::shifted, .alpha = 2.0}, x.data(),
                            y.data(), state),
               invalid_argument);
  plan.forward({.kind = op_kind::energy}, x.data(), y.data(), state);
  EXPECT_THROW(plan.backward({.kind = op_kind::pairnorm}, state, x.data(),
                             y.data(), x.data(), y.data()),
               invalid_argument);
  EXPECT_THROW(plan.last_energy(), invalid_argument);
  EXPECT_THROW(
      cuda::device_graph(test::undirected_graph(), {.self_loop = -1.0}),
      invalid_argument);
}

TEST(CudaGraph, MatchesHostStatistics) {
  GCNOPS_REQUIRE_DEVICE();
  const graph g = build_graph(test_graph::directed_weighted);
  for (normalization norm : all_normalizations) {
    const normalized_adjacency a(g, {.norm = norm});
    const cuda::device_graph d(g, {.norm = norm});
    EXPECT_EQ(d.num_nodes(), a.num_nodes());
    EXPECT_EQ(d.num_edges(), a.structure().num_edges());
    EXPECT_FALSE(d.symmetric_structure());
    EXPECT_NEAR(d.frobenius_norm_sq(), a.frobenius_norm_sq(),
                1e-6 * a.frobenius_norm_sq());
  }
}

}  // namespace
}  // namespace gcnops
