// Backward pass of the global operators (energy, energy_col,
// mean_centered, pairnorm).
//
// Passes over N x F data: one streaming pass and one gather.
//   1. backward_stats: g = d_out * act'(y + b) row by row, with per-block
//      sums of g, g y and y (nothing is written).
//   2. sum_partials and backward_coefficients (one block): the per-column
//      map t = p g + q y + o, the correction mu, and the bias gradient.
//   3. backward_global: dx = A^T t + mu x, where every gathered t_j is
//      rebuilt from d_out_j and y_j as it is loaded, so t is never stored.
// Every operator's backward needs <G, Y> or colmean(G) of all rows before
// the first row of dx can be finished.
#include "epilogue.cuh"

namespace gcnops::kernels {

cudaError_t backward_stats(const row_layout& layout, std::int64_t rows,
                           const backward_stats_args& args, cudaStream_t s) {
  return with_activation(args.act, [&]<activation A>() {
    return dispatch_shape(layout, [&]<int kVec, int kAcc>() {
      const load_gradient<A> load{args.d_out, args.y, args.bias, layout.width};
      const epilogue_backward_stats epi{args.y, layout.width};
      return launch_elementwise<kVec, kAcc>(layout, rows, load, epi,
                                            args.partials, s);
    });
  });
}

cudaError_t backward_global(const csr_direction& g, const row_layout& layout,
                            const backward_global_args& args, cudaStream_t s) {
  return with_activation(args.act, [&]<activation A>() {
    return dispatch_shape(layout, [&]<int kVec, int kAcc>() {
      const load_affine<A> load{
          load_gradient<A>{args.d_out, args.y, args.bias, layout.width}, args.p,
          args.q, args.o};
      const epilogue_backward_global epi{args.mu, args.x, args.dx,
                                         layout.width};
      return launch_gather<kVec, kAcc>(g, layout, load, epi, args.tile_partials,
                                       nullptr, s);
    });
  });
}

}  // namespace gcnops::kernels
