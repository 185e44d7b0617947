// Helpers shared by the gcnops tests: random data, small graphs, a dense
// reference of A^ built independently of normalized_adjacency, and error
// measures that print max and mean relative error.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gcnops/gcnops.hpp"
#include "random_matrix.hpp"

namespace gcnops::test {

// 9 nodes, undirected, unweighted, uneven degrees, one node (8) without
// neighbours.
inline graph undirected_graph() {
  edge_list e;
  e.num_nodes = 9;
  e.src = {0, 0, 0, 1, 2, 3, 4, 5, 6, 0};
  e.dst = {1, 2, 3, 2, 3, 4, 5, 6, 7, 7};
  return graph::from_edges(e, {.make_undirected = true});
}

// 8 nodes, directed, weighted, a self-loop, a node with no out-edges (6) and
// one with no in-edges (7), so that A^T != A under every normalisation.
inline graph directed_weighted_graph() {
  edge_list e;
  e.num_nodes = 8;
  e.src = {0, 0, 1, 2, 2, 3, 3, 4, 5, 5, 7, 3};
  e.dst = {1, 4, 2, 0, 3, 1, 5, 5, 6, 2, 0, 3};
  e.weight = {0.5, 2.0, 1.5, 0.25, 1.0, 3.0, 0.75, 1.25, 2.5, 0.1, 1.0, 0.6};
  return graph::from_edges(e);
}

// Dense A^ (row-major N x N) straight from the definition in
// docs/OPERATORS.md: A~ = A + gamma I, then scale by the degrees.
inline std::vector<double> dense_operator(const graph& g, normalization norm,
                                          double gamma) {
  const std::int64_t n = g.num_nodes();
  std::vector<double> a(static_cast<std::size_t>(n * n), 0.0);
  const edge_list e = g.to_edges();
  for (std::size_t k = 0; k < e.src.size(); ++k) {
    a[e.src[k] * n + e.dst[k]] += e.weight.empty() ? 1.0 : e.weight[k];
  }
  for (std::int64_t i = 0; i < n; ++i)
    a[i * n + i] += gamma;
  std::vector<double> d(static_cast<std::size_t>(n), 0.0);
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < n; ++j)
      d[i] += a[i * n + j];
  }
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      double& v = a[i * n + j];
      if (norm == normalization::sym) {
        v = (d[i] > 0 && d[j] > 0) ? v / std::sqrt(d[i] * d[j]) : 0.0;
      } else if (norm == normalization::rw) {
        v = d[i] > 0 ? v / d[i] : 0.0;
      }
    }
  }
  return a;
}

// Y = A X or A^T X for a dense N x N matrix A.
inline matrix<double> dense_apply(const std::vector<double>& a,
                                  const matrix<double>& x, bool transpose) {
  const std::int64_t n = x.rows();
  matrix<double> y(n, x.cols(), 0.0);
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      const double v = transpose ? a[j * n + i] : a[i * n + j];
      for (std::int64_t f = 0; f < x.cols(); ++f)
        y(i, f) += v * x(j, f);
    }
  }
  return y;
}

struct error_summary {
  double max_rel = 0.0;   // max |a - b| / scale
  double mean_rel = 0.0;  // mean |a - b| / scale
  double scale = 0.0;     // max |b|, at least a tiny floor
  std::int64_t worst = -1;
  std::int64_t non_finite = 0;
};

// Errors of `got` against `want`, relative to the largest |want| (so that
// entries near zero do not dominate); NaN or Inf counts as an error.
template <class A, class B>
error_summary compare(const A* got, const B* want, std::int64_t n) {
  error_summary s;
  for (std::int64_t k = 0; k < n; ++k) {
    s.scale = std::max(s.scale, std::abs(double(want[k])));
  }
  s.scale = std::max(s.scale, 1e-300);
  double sum = 0.0;
  for (std::int64_t k = 0; k < n; ++k) {
    const double g = double(got[k]);
    if (!std::isfinite(g)) {
      ++s.non_finite;
      s.max_rel = INFINITY;
      s.worst = k;
      continue;
    }
    const double e = std::abs(g - double(want[k])) / s.scale;
    sum += e;
    if (e > s.max_rel || s.worst < 0) {
      s.max_rel = std::max(s.max_rel, e);
      s.worst = k;
    }
  }
  s.mean_rel = n > 0 ? sum / static_cast<double>(n) : 0.0;
  return s;
}

inline std::string describe(const error_summary& s) {
  std::ostringstream out;
  out << "max rel err " << s.max_rel << " (element " << s.worst
      << "), mean rel err " << s.mean_rel << ", scale " << s.scale;
  if (s.non_finite > 0) out << ", " << s.non_finite << " non-finite";
  return out.str();
}

template <class A, class B>
::testing::AssertionResult near(const matrix<A>& got, const matrix<B>& want,
                                double tolerance) {
  if (got.rows() != want.rows() || got.cols() != want.cols()) {
    return ::testing::AssertionFailure()
           << "shape " << got.rows() << "x" << got.cols() << " vs "
           << want.rows() << "x" << want.cols();
  }
  const error_summary s = compare(got.data(), want.data(), got.size());
  if (s.max_rel <= tolerance && s.non_finite == 0) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << describe(s) << " > tolerance " << tolerance;
}

// The folder ../shared/data (or $GCNOPS_SHARED_DATA), if present.
inline std::optional<std::filesystem::path> shared_data_dir() {
  if (const char* env = std::getenv("GCNOPS_SHARED_DATA")) {
    if (std::filesystem::exists(env)) return std::filesystem::path(env);
  }
  const std::filesystem::path dir = GCNOPS_SHARED_DATA_DIR;
  if (std::filesystem::exists(dir / "cora" / "adjacency.mtx")) return dir;
  return std::nullopt;
}

}  // namespace gcnops::test

// Skips the current test, visibly, when ../shared/data is absent.
#define GCNOPS_REQUIRE_SHARED_DATA(var)                     \
  const auto var##_opt = ::gcnops::test::shared_data_dir(); \
  if (!var##_opt) {                                         \
    GTEST_SKIP() << "../shared/data not found (looked in "  \
                 << GCNOPS_SHARED_DATA_DIR                  \
                 << " and $GCNOPS_SHARED_DATA); skipping";  \
  }                                                         \
  const std::filesystem::path var = *var##_opt
