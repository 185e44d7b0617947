// The CPU reference of every operator against the contract of
// docs/OPERATORS.md: a literal dense evaluation of the table, finite
// differences of the backward pass, and the invariants each operator
// promises.
#include <gtest/gtest.h>

#include <omp.h>

#include <cmath>
#include <cstring>
#include <tuple>

#include "test_util.hpp"

namespace gcnops {
namespace {

using test::dense_apply;
using test::dense_operator;
using test::random_matrix;

enum class graph_kind { undirected, directed_weighted };

void PrintTo(graph_kind k, std::ostream* out) {
  *out << (k == graph_kind::undirected ? "undirected" : "directed_weighted");
}

graph make_graph(graph_kind k) {
  return k == graph_kind::undirected ? test::undirected_graph()
                                     : test::directed_weighted_graph();
}

double frob_sq(const matrix<double>& m) {
  double s = 0.0;
  for (double v : m.values())
    s += v * v;
  return s;
}

double inner(const matrix<double>& a, const matrix<double>& b) {
  double s = 0.0;
  for (std::int64_t k = 0; k < a.size(); ++k)
    s += a.data()[k] * b.data()[k];
  return s;
}

std::vector<double> col_mean(const matrix<double>& m) {
  std::vector<double> mean(static_cast<std::size_t>(m.cols()), 0.0);
  for (std::int64_t i = 0; i < m.rows(); ++i) {
    for (std::int64_t f = 0; f < m.cols(); ++f)
      mean[f] += m(i, f);
  }
  for (double& v : mean)
    v /= static_cast<double>(m.rows());
  return mean;
}

matrix<double> column(const matrix<double>& m, std::int64_t f) {
  matrix<double> c(m.rows(), 1);
  for (std::int64_t i = 0; i < m.rows(); ++i)
    c(i, 0) = m(i, f);
  return c;
}

// The table of docs/OPERATORS.md evaluated literally with a dense A^,
// written independently of host/cpu/propagate.cpp (it works with Z, not Y).
struct dense_reference {
  std::vector<double> a;
  op_config cfg;
  double c_default;

  matrix<double> forward(const matrix<double>& x) const {
    const matrix<double> z = dense_apply(a, x, false);
    matrix<double> y = z;
    const std::int64_t n = x.rows();
    switch (cfg.kind) {
      case op_kind::plain:
        break;
      case op_kind::rescaled:
        for (double& v : y.values())
          v *= cfg.c.value_or(c_default);
        break;
      case op_kind::shifted:
        for (std::int64_t k = 0; k < y.size(); ++k) {
          y.data()[k] = (1 - cfg.alpha) * z.data()[k] + cfg.alpha * x.data()[k];
        }
        break;
      case op_kind::energy: {
        const double zn = std::sqrt(frob_sq(z));
        const double s = zn < cfg.guard ? 1.0 : std::sqrt(frob_sq(x)) / zn;
        for (double& v : y.values())
          v *= s;
        break;
      }
      case op_kind::energy_col:
        for (std::int64_t f = 0; f < x.cols(); ++f) {
          const double zn = std::sqrt(frob_sq(column(z, f)));
          const double s =
              zn < cfg.guard ? 1.0 : std::sqrt(frob_sq(column(x, f))) / zn;
          for (std::int64_t i = 0; i < n; ++i)
            y(i, f) *= s;
        }
        break;
      case op_kind::mean_centered: {
        const auto m = col_mean(z);
        for (std::int64_t i = 0; i < n; ++i) {
          for (std::int64_t f = 0; f < x.cols(); ++f)
            y(i, f) -= m[f];
        }
        break;
      }
      case op_kind::pairnorm: {
        const auto m = col_mean(z);
        for (std::int64_t i = 0; i < n; ++i) {
          for (std::int64_t f = 0; f < x.cols(); ++f)
            y(i, f) -= m[f];
        }
        const double sigma = std::sqrt(cfg.eps + frob_sq(y) / double(n));
        for (double& v : y.values())
          v *= cfg.scale / sigma;
        break;
      }
    }
    return y;
  }

  matrix<double> backward(const matrix<double>& x,
                          const matrix<double>& g) const {
    const matrix<double> z = dense_apply(a, x, false);
    const std::int64_t n = x.rows();
    const std::int64_t width = x.cols();
    auto at = [&](const matrix<double>& m) { return dense_apply(a, m, true); };
    switch (cfg.kind) {
      case op_kind::plain:
        return at(g);
      case op_kind::rescaled: {
        matrix<double> d = at(g);
        for (double& v : d.values())
          v *= cfg.c.value_or(c_default);
        return d;
      }
      case op_kind::shifted: {
        matrix<double> d = at(g);
        for (std::int64_t k = 0; k < d.size(); ++k) {
          d.data()[k] = (1 - cfg.alpha) * d.data()[k] + cfg.alpha * g.data()[k];
        }
        return d;
      }
      case op_kind::energy:
      case op_kind::energy_col: {
        // Column groups: one group of all columns for energy.
        matrix<double> t(n, width);
        std::vector<double> coef(static_cast<std::size_t>(width), 0.0);
        const bool per_col = cfg.kind == op_kind::energy_col;
        const std::int64_t groups = per_col ? width : 1;
        for (std::int64_t gi = 0; gi < groups; ++gi) {
          const std::int64_t f0 = per_col ? gi : 0;
          const std::int64_t f1 = per_col ? gi + 1 : width;
          double xx = 0, zz = 0, gz = 0;
          for (std::int64_t i = 0; i < n; ++i) {
            for (std::int64_t f = f0; f < f1; ++f) {
              xx += x(i, f) * x(i, f);
              zz += z(i, f) * z(i, f);
              gz += g(i, f) * z(i, f);
            }
          }
          const double zn = std::sqrt(zz);
          const bool guarded = zn < cfg.guard;
          const double s = guarded ? 1.0 : std::sqrt(xx) / zn;
          for (std::int64_t i = 0; i < n; ++i) {
            for (std::int64_t f = f0; f < f1; ++f) {
              t(i, f) = guarded ? g(i, f) : s * (g(i, f) - gz / zz * z(i, f));
              coef[f] = guarded ? 0.0 : gz / (std::sqrt(xx) * zn);
            }
          }
        }
        matrix<double> d = at(t);
        for (std::int64_t i = 0; i < n; ++i) {
          for (std::int64_t f = 0; f < width; ++f)
            d(i, f) += coef[f] * x(i, f);
        }
        return d;
      }
      case op_kind::mean_centered: {
        matrix<double> t = g;
        const auto m = col_mean(g);
        for (std::int64_t i = 0; i < n; ++i) {
          for (std::int64_t f = 0; f < width; ++f)
            t(i, f) -= m[f];
        }
        return at(t);
      }
      case op_kind::pairnorm: {
        matrix<double> zc = z;
        const auto m = col_mean(z);
        for (std::int64_t i = 0; i < n; ++i) {
          for (std::int64_t f = 0; f < width; ++f)
            zc(i, f) -= m[f];
        }
        const double sigma = std::sqrt(cfg.eps + frob_sq(zc) / double(n));
        const double gzc = inner(g, zc);
        matrix<double> dzc(n, width);
        for (std::int64_t k = 0; k < dzc.size(); ++k) {
          dzc.data()[k] =
              cfg.scale / sigma *
              (g.data()[k] - zc.data()[k] * gzc / (double(n) * sigma * sigma));
        }
        const auto dm = col_mean(dzc);
        for (std::int64_t i = 0; i < n; ++i) {
          for (std::int64_t f = 0; f < width; ++f)
            dzc(i, f) -= dm[f];
        }
        return at(dzc);
      }
    }
    return {};
  }
};

op_config config_for(op_kind k) {
  op_config cfg{.kind = k};
  cfg.alpha = 0.3;
  cfg.scale = 1.7;
  cfg.eps = 1e-3;
  return cfg;
}

using case_param = std::tuple<op_kind, normalization, graph_kind>;

class OperatorCase : public ::testing::TestWithParam<case_param> {
 protected:
  void SetUp() override {
    const auto [kind, norm, gk] = GetParam();
    g_ = make_graph(gk);
    adj_ = normalized_adjacency(g_, {.norm = norm, .self_loop = 1.0});
    cfg_ = config_for(kind);
    ref_ = {dense_operator(g_, norm, 1.0), cfg_, 0.0};
    double frob = 0.0;
    for (double v : ref_.a)
      frob += v * v;
    ref_.c_default = std::sqrt(double(g_.num_nodes()) / frob);
  }

  graph g_;
  normalized_adjacency adj_;
  op_config cfg_;
  dense_reference ref_;
};

constexpr std::int64_t kWidth = 5;

TEST_P(OperatorCase, ForwardMatchesDenseContract) {
  const auto x = random_matrix<double>(adj_.num_nodes(), kWidth, 11);
  matrix<double> y(adj_.num_nodes(), kWidth, NAN);  // poisoned
  cpu::forward<double>(adj_, cfg_, x, y);
  EXPECT_TRUE(test::near(y, ref_.forward(x), 1e-13));
}

TEST_P(OperatorCase, BackwardMatchesDenseContract) {
  const auto x = random_matrix<double>(adj_.num_nodes(), kWidth, 12);
  const auto g = random_matrix<double>(adj_.num_nodes(), kWidth, 13);
  matrix<double> y(adj_.num_nodes(), kWidth);
  matrix<double> dx(adj_.num_nodes(), kWidth, NAN);
  cpu::op_state st;
  cpu::forward<double>(adj_, cfg_, x, y, &st);
  cpu::backward<double>(adj_, cfg_, st, x, y, g, dx);
  EXPECT_TRUE(test::near(dx, ref_.backward(x, g), 1e-12));
}

// dL/dX for L = <G, P(X)> by central differences, element by element.
TEST_P(OperatorCase, BackwardMatchesFiniteDifferences) {
  const std::int64_t n = adj_.num_nodes();
  auto x = random_matrix<double>(n, kWidth, 21);
  const auto g = random_matrix<double>(n, kWidth, 22);
  matrix<double> y(n, kWidth);
  matrix<double> dx(n, kWidth);
  cpu::op_state st;
  cpu::forward<double>(adj_, cfg_, x, y, &st);
  cpu::backward<double>(adj_, cfg_, st, x, y, g, dx);

  auto loss = [&](const matrix<double>& at) {
    matrix<double> out(n, kWidth);
    cpu::forward<double>(adj_, cfg_, at, out);
    return inner(g, out);
  };
  matrix<double> fd(n, kWidth);
  const double h = 1e-6;
  for (std::int64_t k = 0; k < x.size(); ++k) {
    const double saved = x.data()[k];
    x.data()[k] = saved + h;
    const double up = loss(x);
    x.data()[k] = saved - h;
    const double down = loss(x);
    x.data()[k] = saved;
    fd.data()[k] = (up - down) / (2 * h);
  }
  EXPECT_TRUE(test::near(dx, fd, 1e-6));
}

TEST_P(OperatorCase, FloatMatchesDouble) {
  const std::int64_t n = adj_.num_nodes();
  const auto xd = random_matrix<double>(n, kWidth, 31);
  const auto gd = random_matrix<double>(n, kWidth, 32);
  const auto xf = matrix_cast<float, double>(xd);
  const auto gf = matrix_cast<float, double>(gd);
  // Inputs rounded to float, so both precisions see the same numbers.
  const auto xr = matrix_cast<double, float>(xf);
  const auto gr = matrix_cast<double, float>(gf);

  matrix<double> yd(n, kWidth), dxd(n, kWidth);
  matrix<float> yf(n, kWidth), dxf(n, kWidth);
  cpu::op_state sd, sf;
  cpu::forward<double>(adj_, cfg_, xr, yd, &sd);
  cpu::backward<double>(adj_, cfg_, sd, xr, yd, gr, dxd);
  cpu::forward<float>(adj_, cfg_, xf, yf, &sf);
  cpu::backward<float>(adj_, cfg_, sf, xf, yf, gf, dxf);
  EXPECT_TRUE(test::near(yf, yd, 1e-5));
  EXPECT_TRUE(test::near(dxf, dxd, 1e-5));
}

std::string case_name(const ::testing::TestParamInfo<case_param>& info) {
  const auto [kind, norm, gk] = info.param;
  return std::string(to_string(kind)) + "_" + std::string(to_string(norm)) +
         (gk == graph_kind::undirected ? "_undirected" : "_directed");
}

INSTANTIATE_TEST_SUITE_P(
    AllOperators, OperatorCase,
    ::testing::Combine(::testing::ValuesIn(all_op_kinds),
                       ::testing::ValuesIn(all_normalizations),
                       ::testing::Values(graph_kind::undirected,
                                         graph_kind::directed_weighted)),
    case_name);

// Invariants --------------------------------------------------------------

class Invariants : public ::testing::Test {
 protected:
  // A larger random graph so that the invariants are not accidents.
  // Self-loops are kept, so the diagonal of A^ mixes A_ii and gamma.
  graph g_ = make_rmat({.scale = 8,
                        .edge_factor = 6,
                        .seed = 5,
                        .graph = {.make_undirected = true}});
  normalized_adjacency adj_{g_};
  std::int64_t n_ = adj_.num_nodes();
  matrix<double> x_ = random_matrix<double>(n_, 7, 41);

  matrix<double> run(const op_config& cfg) {
    matrix<double> y(n_, x_.cols());
    cpu::forward<double>(adj_, cfg, x_, y);
    return y;
  }
};

TEST_F(Invariants, EnergyPreservesFrobeniusNorm) {
  const auto y = run({.kind = op_kind::energy});
  EXPECT_NEAR(frob_sq(y) / frob_sq(x_), 1.0, 1e-14);
}

TEST_F(Invariants, EnergyColPreservesEveryColumnNorm) {
  const auto y = run({.kind = op_kind::energy_col});
  for (std::int64_t f = 0; f < x_.cols(); ++f) {
    EXPECT_NEAR(frob_sq(column(y, f)) / frob_sq(column(x_, f)), 1.0, 1e-14)
        << "column " << f;
  }
}

TEST_F(Invariants, MeanCenteredHasZeroColumnMeans) {
  const auto y = run({.kind = op_kind::mean_centered});
  for (double m : col_mean(y))
    EXPECT_NEAR(m, 0.0, 1e-15);
}

TEST_F(Invariants, PairnormHasMeanSquaredRowNormScaleSquared) {
  // With eps far below ||Zc||^2 / N the mean squared row norm is s^2.
  const double s = 2.5;
  const auto y = run({.kind = op_kind::pairnorm, .scale = s, .eps = 1e-14});
  EXPECT_NEAR(frob_sq(y) / double(n_), s * s, 1e-10);
  for (double m : col_mean(y))
    EXPECT_NEAR(m, 0.0, 1e-13);
}

TEST_F(Invariants, RescaledDefaultIsSqrtNOverFrobenius) {
  // ||A^||_F^2 from the dense definition, not from normalized_adjacency.
  ASSERT_GT(g_.num_self_loops(), 0);
  const auto dense = dense_operator(g_, normalization::sym, 1.0);
  double frob = 0.0;
  for (double v : dense)
    frob += v * v;
  const double c = std::sqrt(double(n_) / frob);
  EXPECT_NEAR(adj_.rescale_constant(), c, 1e-12 * c);

  const auto y = run({.kind = op_kind::rescaled});
  const auto z = run({.kind = op_kind::plain});
  for (std::int64_t k = 0; k < y.size(); ++k) {
    ASSERT_NEAR(y.data()[k], c * z.data()[k], 1e-12);
  }
}

TEST_F(Invariants, ShiftedWithAlphaOneIsIdentity) {
  const auto y = run({.kind = op_kind::shifted, .alpha = 1.0});
  EXPECT_TRUE(test::near(y, x_, 0.0));
}

TEST_F(Invariants, ResultsDoNotDependOnThreadCount) {
  for (op_kind k : all_op_kinds) {
    const int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    const auto one = run({.kind = k});
    omp_set_num_threads(3);
    const auto three = run({.kind = k});
    omp_set_num_threads(saved);
    EXPECT_EQ(
        0, std::memcmp(one.data(), three.data(), sizeof(double) * one.size()))
        << to_string(k);
  }
}

TEST_F(Invariants, DirichletEnergyMatchesDenseDefinition) {
  const auto a = dense_operator(g_, normalization::sym, 1.0);
  const auto ax = dense_apply(a, x_, false);
  const double want = frob_sq(x_) - inner(x_, ax);
  EXPECT_NEAR(cpu::dirichlet_energy<double>(adj_, x_), want,
              1e-12 * std::abs(want));
  // A constant signal on a connected regular part has E_D >= 0 anyway.
  EXPECT_GE(cpu::dirichlet_energy<double>(adj_, x_), 0.0);
}

// Edge cases and argument checks ---------------------------------------------

TEST(PropagateEdgeCases, IsolatedNodeWithoutSelfLoopGetsZeroNotNaN) {
  edge_list e;
  e.num_nodes = 4;
  e.src = {0, 1};
  e.dst = {1, 2};
  const normalized_adjacency a(graph::from_edges(e, {.make_undirected = true}),
                               {.self_loop = 0.0});
  matrix<double> x(4, 2, 1.0), y(4, 2, NAN), dx(4, 2, NAN);
  for (op_kind k : all_op_kinds) {
    for (normalization norm : all_normalizations) {
      const normalized_adjacency an(
          graph::from_edges(e, {.make_undirected = true}),
          {.norm = norm, .self_loop = 0.0});
      cpu::op_state st;
      cpu::forward<double>(an, {.kind = k}, x, y, &st);
      cpu::backward<double>(an, {.kind = k}, st, x, y, x, dx);
      for (double v : y.values())
        ASSERT_TRUE(std::isfinite(v)) << to_string(k);
      for (double v : dx.values())
        ASSERT_TRUE(std::isfinite(v)) << to_string(k);
    }
  }
  EXPECT_EQ(a.row_scale()[3], 0.0);
}

TEST(PropagateEdgeCases, EnergyGuardOnZeroSignal) {
  const normalized_adjacency a(test::undirected_graph());
  matrix<double> x(a.num_nodes(), 3, 0.0), y(a.num_nodes(), 3, NAN);
  for (op_kind k : {op_kind::energy, op_kind::energy_col}) {
    cpu::op_state st;
    cpu::forward<double>(a, {.kind = k}, x, y, &st);
    for (double v : y.values())
      EXPECT_EQ(v, 0.0);
  }
}

TEST(PropagateEdgeCases, EmptyGraphAndZeroWidthAreNoOps) {
  const normalized_adjacency empty;
  matrix<double> x(0, 4), y(0, 4);
  for (op_kind k : all_op_kinds) {
    EXPECT_NO_THROW(cpu::forward<double>(empty, {.kind = k}, x, y));
  }
  const normalized_adjacency a(test::undirected_graph());
  matrix<double> x0(a.num_nodes(), 0), y0(a.num_nodes(), 0);
  for (op_kind k : all_op_kinds) {
    EXPECT_NO_THROW(cpu::forward<double>(a, {.kind = k}, x0, y0));
  }
}

TEST(PropagateArguments, ShapeMismatchNamesTheArgument) {
  const normalized_adjacency a(test::undirected_graph());
  matrix<double> x(a.num_nodes() + 1, 3), y(a.num_nodes(), 3);
  try {
    cpu::forward<double>(a, {}, x, y);
    FAIL() << "expected invalid_argument";
  } catch (const invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("x is 10 x 3, expected 9 x 3"),
              std::string::npos)
        << e.what();
  }
}

TEST(PropagateArguments, OverlappingOutputIsRefused) {
  const normalized_adjacency a(test::undirected_graph());
  matrix<double> x(a.num_nodes(), 3, 1.0);
  EXPECT_THROW(cpu::forward<double>(a, {}, x, x.view()), invalid_argument);
}

TEST(PropagateArguments, ParametersOutOfRangeAreRefused) {
  const normalized_adjacency a(test::undirected_graph());
  matrix<double> x(a.num_nodes(), 3, 1.0), y(a.num_nodes(), 3);
  const std::vector<std::pair<op_config, std::string>> bad = {
      {{.kind = op_kind::shifted, .alpha = 1.5}, "alpha = 1.5"},
      {{.kind = op_kind::shifted, .alpha = -0.1}, "alpha = -0.1"},
      {{.kind = op_kind::rescaled, .c = 0.0}, "c = 0"},
      {{.kind = op_kind::rescaled, .c = -2.0}, "c = -2"},
      {{.kind = op_kind::pairnorm, .eps = 0.0}, "eps = 0"},
      {{.kind = op_kind::pairnorm, .scale = -1.0}, "scale = -1"},
      {{.kind = op_kind::energy, .guard = 0.0}, "guard = 0"},
  };
  for (const auto& [cfg, needle] : bad) {
    try {
      cpu::forward<double>(a, cfg, x, y);
      ADD_FAILURE() << "no exception for " << needle;
    } catch (const invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << e.what();
    }
  }
}

TEST(PropagateArguments, StateFromAnotherOperatorIsRefused) {
  const normalized_adjacency a(test::undirected_graph());
  matrix<double> x(a.num_nodes(), 3, 1.0), y(a.num_nodes(), 3),
      dx(a.num_nodes(), 3);
  cpu::op_state st;
  cpu::forward<double>(a, {.kind = op_kind::energy}, x, y, &st);
  EXPECT_THROW(
      cpu::backward<double>(a, {.kind = op_kind::pairnorm}, st, x, y, x, dx),
      invalid_argument);
}

}  // namespace
}  // namespace gcnops
