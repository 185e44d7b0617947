// Forward pass of the local operators (plain, rescaled, shifted) with the
// layer epilogue fused in.
//
// Passes over N x F data: one. Each row gathers its neighbours' rows of x
// once (plus its own, which also serves the alpha/beta mix), and writes y
// and, with a layer epilogue, act(y + b) + residual, accumulating the
// output energy in the same pass when asked.
#include "epilogue.cuh"

namespace gcnops::kernels {

cudaError_t forward_local(const csr_direction& g, const row_layout& layout,
                          const forward_local_args& args, cudaStream_t s) {
  return with_activation(args.act, [&]<activation A>() {
    return dispatch_shape(layout, [&]<int kVec, int kAcc>() {
      const load_matrix load{args.x, layout.width};
      if (args.energy_partials) {
        const epilogue_forward_local<A, true> epi{
            args.y,        args.alpha, args.beta,   args.bias,
            args.residual, args.out,   layout.width};
        return launch_gather<kVec, kAcc>(
            g, layout, load, epi, args.tile_partials, args.energy_partials, s);
      }
      const epilogue_forward_local<A, false> epi{
          args.y,        args.alpha, args.beta,   args.bias,
          args.residual, args.out,   layout.width};
      return launch_gather<kVec, kAcc>(g, layout, load, epi, args.tile_partials,
                                       nullptr, s);
    });
  });
}

}  // namespace gcnops::kernels
