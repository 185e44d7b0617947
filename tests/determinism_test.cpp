// Bitwise reproducibility of the CPU operators: forward and backward, in
// float and double, give the same bits whatever the number of OpenMP
// threads and however often they run. (propagate_test checks the forward
// pass in double; this covers the rest.)
#include <gtest/gtest.h>

#include <omp.h>

#include <cstring>

#include "test_util.hpp"

namespace gcnops {
namespace {

template <class T>
class Determinism : public ::testing::Test {};

using precisions = ::testing::Types<float, double>;
TYPED_TEST_SUITE(Determinism, precisions);

TYPED_TEST(Determinism, SameBitsForAnyThreadCount) {
  using T = TypeParam;
  // More than one 512-row reduction block, a directed weighted graph.
  const graph g = make_rmat({.scale = 11, .edge_factor = 4, .seed = 9});
  const normalized_adjacency a(g, {.norm = normalization::rw});
  const std::int64_t n = a.num_nodes();
  const auto x = test::random_matrix<T>(n, 5, 1);
  const auto up = test::random_matrix<T>(n, 5, 2);
  const int saved = omp_get_max_threads();
  for (op_kind kind : all_op_kinds) {
    SCOPED_TRACE(to_string(kind));
    std::vector<matrix<T>> ys;
    std::vector<matrix<T>> dxs;
    for (int threads : {1, 2, 3, 3}) {
      omp_set_num_threads(threads);
      matrix<T> y(n, 5), dx(n, 5);
      cpu::op_state st;
      cpu::forward<T>(a, {.kind = kind}, x, y, &st);
      cpu::backward<T>(a, {.kind = kind}, st, x, y, up, dx);
      ys.push_back(std::move(y));
      dxs.push_back(std::move(dx));
    }
    omp_set_num_threads(saved);
    for (std::size_t r = 1; r < ys.size(); ++r) {
      EXPECT_EQ(
          0, std::memcmp(ys[0].data(), ys[r].data(), sizeof(T) * ys[0].size()))
          << "forward, run " << r;
      EXPECT_EQ(0, std::memcmp(dxs[0].data(), dxs[r].data(),
                               sizeof(T) * dxs[0].size()))
          << "backward, run " << r;
    }
  }
}

}  // namespace
}  // namespace gcnops
