// Forward pass of the global operators (energy, energy_col, mean_centered,
// pairnorm).
//
// Passes over N x F data: one gather and one light pass.
//   1. forward_gather: z = A^ x, stored in y, with per-block sums of x^2
//      (from each row's own x, read anyway for the diagonal), z and z^2.
//   2. sum_partials and forward_coefficients (O(blocks x F), one block):
//      the operator's per-column map y = scale (z - shift).
//   3. forward_apply: y = scale (z - shift) in place and the layer
//      epilogue, reading z once and writing y (and the layer output).
// The scale depends on all of z, so no single pass can finish a row.
#include "epilogue.cuh"

namespace gcnops::kernels {

cudaError_t forward_gather(const csr_direction& g, const row_layout& layout,
                           const forward_gather_args& args, cudaStream_t s) {
  return dispatch_shape(layout, [&]<int kVec, int kAcc>() {
    const load_matrix load{args.x, layout.width};
    const epilogue_forward_gather epi{args.z, layout.width};
    return launch_gather<kVec, kAcc>(g, layout, load, epi, args.tile_partials,
                                     args.partials, s);
  });
}

cudaError_t forward_apply(const row_layout& layout, std::int64_t rows,
                          const forward_apply_args& args, cudaStream_t s) {
  return with_activation(args.act, [&]<activation A>() {
    return dispatch_shape(layout, [&]<int kVec, int kAcc>() {
      const load_matrix load{args.y, layout.width};
      if (args.energy_partials) {
        const epilogue_forward_apply<A, true> epi{
            args.y,        args.col_scale, args.col_shift, args.bias,
            args.residual, args.out,       layout.width};
        return launch_elementwise<kVec, kAcc>(layout, rows, load, epi,
                                              args.energy_partials, s);
      }
      const epilogue_forward_apply<A, false> epi{
          args.y,        args.col_scale, args.col_shift, args.bias,
          args.residual, args.out,       layout.width};
      return launch_elementwise<kVec, kAcc>(layout, rows, load, epi, nullptr,
                                            s);
    });
  });
}

}  // namespace gcnops::kernels
