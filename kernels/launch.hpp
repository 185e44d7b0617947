// kernels/launch.hpp: host-callable launchers of the gcnops CUDA kernels.
//
// This is the boundary between the host classes (host/cuda/) and the
// kernels (kernels/*.cu). Launchers take plain pointers and sizes, enqueue
// on the given stream and return the launch's cudaError_t; they never
// throw, allocate or synchronise. Callers check shapes before calling and
// turn errors into exceptions.
//
// Layout of every row-parallel kernel (see row_kernel.cuh): a group of
// `group` lanes (a power of two up to 32) owns one row at a time; each lane
// holds `acc` vectors of `vec` floats (vec = 4 uses 16-byte loads), so a
// group covers a slab of group * vec * acc columns; blockIdx.y selects the
// slab and blockIdx.x strides over rows. Per-column sums that a kernel
// accumulates are reduced in a fixed tree inside each block and written as
// one partial per block: partials[block][quantity][column], in double.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "gcnops/layer.hpp"
#include "gcnops/operators.hpp"

namespace gcnops::kernels {

inline constexpr int kBlockThreads = 256;

// One direction of the operator: A^ forward, A^T backward. Row i computes
//   out_i = row_scale_i * (diag_i col_scale_i v_i + sum_e w_e col_scale_j v_j)
// over the loop-free CSR, where v is the gathered matrix.
struct csr_direction {
  std::int64_t num_rows = 0;
  const std::int64_t* row_ptr = nullptr;
  const std::int32_t* col = nullptr;
  const float* weight = nullptr;  // null: every edge weighs 1
  const float* row_scale = nullptr;
  const float* col_scale = nullptr;
  const float* diag = nullptr;
  // Rows with more than long_row_edges edges are summed tile by tile by
  // tile_kernel first; long_rows is sorted, and the tiles of long row r are
  // [tile_offset[r], tile_offset[r + 1]).
  std::int64_t long_row_edges = INT64_MAX;
  std::int32_t num_long_rows = 0;
  const std::int32_t* long_rows = nullptr;
  const std::int32_t* tile_offset = nullptr;
  std::int32_t num_tiles = 0;
  const std::int64_t* tile_begin = nullptr;
  const std::int64_t* tile_end = nullptr;
};

struct row_layout {
  int vec = 1;     // floats per load: 1 or 4
  int acc = 1;     // loads per lane: 1 or 2
  int group = 1;   // lanes per row
  int grid_x = 1;  // blocks striding over rows
  int slabs = 1;   // column slabs (blockIdx.y)
  int width = 0;   // F
};

// Picks the layout for `rows` rows of `width` floats. `vector_ok` says that
// width % 4 == 0 and every pointer involved is 16-byte aligned. max_grid_x
// bounds the blocks striding over rows (and so the partials).
row_layout choose_layout(std::int64_t rows, int width, bool vector_ok,
                         int max_grid_x);

// Quantities of the per-column sums, in the order they are stored.
inline constexpr int kForwardStats = 3;   // sum x^2, sum z, sum z^2
inline constexpr int kBackwardStats = 3;  // sum g, sum g*y, sum y

// --- Forward ------------------------------------------------------------

// plain, rescaled, shifted: y = alpha A^x + beta x, then optionally
// out = act(y + bias) + residual. energy_partials (if set, one quantity):
// sum of out^2, or of y^2 without out. y may be null when out is set.
struct forward_local_args {
  const float* x = nullptr;
  float* y = nullptr;
  float alpha = 1.0f;
  float beta = 0.0f;
  activation act = activation::identity;
  const float* bias = nullptr;
  const float* residual = nullptr;
  float* out = nullptr;
  double* energy_partials = nullptr;
  float* tile_partials = nullptr;  // num_tiles * width
};
cudaError_t forward_local(const csr_direction& g, const row_layout& layout,
                          const forward_local_args& args, cudaStream_t s);

// energy, energy_col, mean_centered, pairnorm, first pass: z = A^x into
// `z`, with partials of kForwardStats quantities.
struct forward_gather_args {
  const float* x = nullptr;
  float* z = nullptr;
  double* partials = nullptr;
  float* tile_partials = nullptr;
};
cudaError_t forward_gather(const csr_direction& g, const row_layout& layout,
                           const forward_gather_args& args, cudaStream_t s);

// totals[q][f] = sum over blocks b (in order) of partials[b][q][f].
cudaError_t sum_partials(const double* partials, int blocks, int quantities,
                         int width, double* totals, cudaStream_t s);

// Indices into the state's scalar array.
enum scalar_index : int {
  kScale = 0,    // energy s; pairnorm s / sigma; rescaled c
  kSigma = 1,    // pairnorm
  kXNormSq = 2,  // energy ||X||^2 (0 when guarded)
  kGuarded = 3,  // energy: 1 when ||Z|| < guard
  kNumScalars = 4
};

// From the forward totals, the per-column map y = col_scale (z - col_shift)
// and what the backward pass needs. One block.
struct forward_coefficient_args {
  op_kind kind = op_kind::energy;
  std::int64_t rows = 0;
  int width = 0;
  double guard = 1e-12;
  double pairnorm_scale = 1.0;
  double pairnorm_eps = 1e-5;
  const double* totals = nullptr;  // [kForwardStats][width]
  float* col_scale = nullptr;
  float* col_shift = nullptr;
  double* col_x_norm_sq = nullptr;  // energy_col: ||X_f||^2, 0 if guarded
  double* scalars = nullptr;        // kNumScalars
};
cudaError_t forward_coefficients(const forward_coefficient_args& args,
                                 cudaStream_t s);

// Second pass: y = col_scale (y - col_shift) in place, then the epilogue
// as in forward_local.
struct forward_apply_args {
  float* y = nullptr;
  const float* col_scale = nullptr;
  const float* col_shift = nullptr;
  activation act = activation::identity;
  const float* bias = nullptr;
  const float* residual = nullptr;
  float* out = nullptr;
  double* energy_partials = nullptr;
};
cudaError_t forward_apply(const row_layout& layout, std::int64_t rows,
                          const forward_apply_args& args, cudaStream_t s);

// --- Backward -----------------------------------------------------------

// plain, rescaled, shifted: g = d_out * act'(y + bias),
// dx = alpha A^T g + beta g; bias_partials (if set): sum of g.
struct backward_local_args {
  const float* d_out = nullptr;
  const float* y = nullptr;
  const float* bias = nullptr;
  activation act = activation::identity;
  float alpha = 1.0f;
  float beta = 0.0f;
  float* dx = nullptr;
  double* bias_partials = nullptr;
  float* tile_partials = nullptr;
};
cudaError_t backward_local(const csr_direction& g, const row_layout& layout,
                           const backward_local_args& args, cudaStream_t s);

// Global operators, first pass over rows: partials of sum g, sum g*y and
// sum y (kBackwardStats quantities).
struct backward_stats_args {
  const float* d_out = nullptr;
  const float* y = nullptr;
  const float* bias = nullptr;
  activation act = activation::identity;
  double* partials = nullptr;
};
cudaError_t backward_stats(const row_layout& layout, std::int64_t rows,
                           const backward_stats_args& args, cudaStream_t s);

// From the backward totals and the forward state, the per-column map
// t = p g + q y + o and the correction mu (dx = A^T t + mu x). One block.
struct backward_coefficient_args {
  op_kind kind = op_kind::energy;
  std::int64_t rows = 0;
  int width = 0;
  double pairnorm_scale = 1.0;
  const double* totals = nullptr;  // [kBackwardStats][width]
  const float* col_scale = nullptr;
  const double* col_x_norm_sq = nullptr;
  const double* scalars = nullptr;
  float* p = nullptr;
  float* q = nullptr;
  float* o = nullptr;
  float* mu = nullptr;
  float* d_bias = nullptr;  // optional: sum g
};
cudaError_t backward_coefficients(const backward_coefficient_args& args,
                                  cudaStream_t s);

// Global operators, second pass: dx = A^T (p g + q y + o) + mu x.
struct backward_global_args {
  const float* d_out = nullptr;
  const float* y = nullptr;
  const float* bias = nullptr;
  activation act = activation::identity;
  const float* p = nullptr;
  const float* q = nullptr;
  const float* o = nullptr;
  const float* mu = nullptr;
  const float* x = nullptr;
  float* dx = nullptr;
  float* tile_partials = nullptr;
};
cudaError_t backward_global(const csr_direction& g, const row_layout& layout,
                            const backward_global_args& args, cudaStream_t s);

// out[f] = (float) totals[f], for d_bias of the local operators.
cudaError_t totals_to_float(const double* totals, int width, float* out,
                            cudaStream_t s);

// sum over f of totals[f], in order, into *result (one thread).
cudaError_t sum_columns(const double* totals, int width, double* result,
                        cudaStream_t s);

}  // namespace gcnops::kernels
