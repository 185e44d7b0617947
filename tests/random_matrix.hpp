// Random test matrices, without GoogleTest, so that tools and fuzz drivers
// can use them too.
#pragma once

#include <cstdint>

#include "gcnops/matrix.hpp"
#include "gcnops/random.hpp"

namespace gcnops::test {

// Uniform in [-1, 1), reproducible from the seed.
template <class T>
matrix<T> random_matrix(std::int64_t rows, std::int64_t cols,
                        std::uint64_t seed) {
  matrix<T> m(rows, cols);
  rng gen(seed);
  for (T& v : m.values())
    v = static_cast<T>(2.0 * gen.uniform() - 1.0);
  return m;
}

}  // namespace gcnops::test
