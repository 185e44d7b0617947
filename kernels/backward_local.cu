// Backward pass of the local operators (plain, rescaled, shifted) with the
// layer prologue fused in.
//
// Passes over N x F data: one. Each row gathers g_j = d_out_j * act'(y_j +
// b) of its neighbours in A^T as it loads them (the activation derivative
// costs a second gathered read, of y, and no extra pass), mixes in its own
// g_i for shifted, and sums g_i per column for the bias gradient.
#include "epilogue.cuh"

namespace gcnops::kernels {

cudaError_t backward_local(const csr_direction& g, const row_layout& layout,
                           const backward_local_args& args, cudaStream_t s) {
  return with_activation(args.act, [&]<activation A>() {
    return dispatch_shape(layout, [&]<int kVec, int kAcc>() {
      const load_gradient<A> load{args.d_out, args.y, args.bias, layout.width};
      if (args.bias_partials) {
        const epilogue_backward_local<true> epi{args.dx, args.alpha, args.beta,
                                                layout.width};
        return launch_gather<kVec, kAcc>(
            g, layout, load, epi, args.tile_partials, args.bias_partials, s);
      }
      const epilogue_backward_local<false> epi{args.dx, args.alpha, args.beta,
                                               layout.width};
      return launch_gather<kVec, kAcc>(g, layout, load, epi, args.tile_partials,
                                       nullptr, s);
    });
  });
}

}  // namespace gcnops::kernels
