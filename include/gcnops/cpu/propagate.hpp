// gcnops/cpu/propagate.hpp: the CPU reference of every propagation operator.
//
// Contract
//   - forward() computes Y = P(X) and backward() dX = (dP/dX)^T G for the
//     operator cfg.kind exactly as tabulated in docs/OPERATORS.md, for
//     T = float or double. These functions are the ground truth the CUDA
//     kernels are tested against, and a usable fallback: rows run in
//     parallel under OpenMP and nothing of size N x N is ever formed.
//   - Every view points to host memory, row-major, N x F (N =
//     a.num_nodes()). Outputs are overwritten, never accumulated, and must
//     not overlap any input; violations throw invalid_argument before any
//     work is done, as do negative sizes, a null pointer for a non-empty
//     view, an unknown operator kind or a parameter out of its range
//     (validate); a view whose byte size overflows std::int64_t throws
//     limit_error.
//   - Inputs are not checked for NaN or Inf: IEEE arithmetic carries them
//     to the outputs.
//   - When forward() throws, *state is left as it was; the content of an
//     output that was being written is unspecified.
//   - Global reductions (norms, column means, <G, Y>) accumulate in double
//     over fixed blocks of rows and combine the blocks in order, so results
//     are bitwise reproducible whatever the number of threads.
//   - backward() needs what forward() left in op_state and, for energy,
//     energy_col and pairnorm, the forward input X and output Y (the
//     operator's Z is recovered from Y rather than stored). A state of
//     another operator, or of energy_col at another width, throws
//     invalid_argument.
#pragma once

#include <cstdint>
#include <vector>

#include "gcnops/adjacency.hpp"
#include "gcnops/matrix.hpp"
#include "gcnops/operators.hpp"

namespace gcnops::cpu {

// What the forward pass leaves for the backward pass. Scalars are double.
struct op_state {
  op_kind kind = op_kind::plain;
  double scale = 1.0;             // rescaled: c; energy: s; pairnorm: s / sigma
  double x_norm_sq = 0;           // energy: ||X||^2
  double sigma = 1.0;             // pairnorm
  bool guarded = false;           // energy: ||Z|| < guard, so s = 1
  std::vector<double> col_scale;  // energy_col: s_f
  std::vector<double> x_col_norm_sq;  // energy_col: ||X_f||^2
  std::vector<unsigned char> col_guarded;
};

// Z = A^ X (transpose = false) or Z = A^T X (transpose = true).
template <class T>
void spmm(const normalized_adjacency& a, bool transpose, matrix_view<const T> x,
          matrix_view<T> z);

// Y = P(X). `state` may be null when no backward pass follows.
template <class T>
void forward(const normalized_adjacency& a, const op_config& cfg,
             matrix_view<const T> x, matrix_view<T> y,
             op_state* state = nullptr);

// dX for upstream gradient G = dL/dY.
template <class T>
void backward(const normalized_adjacency& a, const op_config& cfg,
              const op_state& state, matrix_view<const T> x,
              matrix_view<const T> y, matrix_view<const T> g,
              matrix_view<T> dx);

// E(X) = ||X||_F^2, accumulated in double in a fixed order.
template <class T>
double energy(matrix_view<const T> x);

// E_D(X) = tr(X^T (I - A^_sym) X) with the self-loop degrees of `a`,
// whatever a.norm() is.
template <class T>
double dirichlet_energy(const normalized_adjacency& a, matrix_view<const T> x);

}  // namespace gcnops::cpu
