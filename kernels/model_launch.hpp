// kernels/model_launch.hpp: launchers of the model's element-wise, loss,
// optimiser and reduction kernels (model_kernels.cu). Same rules as
// launch.hpp: plain pointers, the given stream, a cudaError_t back, no
// allocation and no synchronisation.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "gcnops/layer.hpp"

namespace gcnops::kernels {

// out[k] = in[k] / (1 - p) where hash_uniform(seed, stream, k) >= p, else
// 0; in == out is allowed.
cudaError_t dropout(const float* in, float* out, std::int64_t count, double p,
                    std::uint64_t seed, std::uint64_t stream, cudaStream_t s);

// out = act(u + bias) + residual (bias: width floats; both nullable).
cudaError_t bias_activation(const float* u, const float* bias, activation act,
                            const float* residual, float* out,
                            std::int64_t rows, int width, cudaStream_t s);

// du = d_out * act'(u + bias).
cudaError_t bias_activation_backward(const float* d_out, const float* u,
                                     const float* bias, activation act,
                                     float* du, std::int64_t rows, int width,
                                     cudaStream_t s);

// out[f] = sum over rows of x[i][f], in a fixed order.
cudaError_t column_sums(const float* x, std::int64_t rows, int width,
                        float* out, cudaStream_t s);

// y = alpha x + beta y.
cudaError_t axpby(float alpha, const float* x, float beta, float* y,
                  std::int64_t count, cudaStream_t s);

// Softmax cross-entropy over the rows listed in `nodes`: d_logits rows of
// those nodes get (p - onehot) / count (others must be zero already), and
// *loss the mean loss, summed in a fixed order. `terms` holds count
// doubles of scratch.
cudaError_t cross_entropy(const float* logits, int classes,
                          const std::int32_t* labels, const std::int32_t* nodes,
                          std::int64_t count, float* d_logits, double* terms,
                          double* loss, cudaStream_t s);

// pred[i] = argmax of row i (first maximum).
cudaError_t argmax_rows(const float* logits, std::int64_t rows, int classes,
                        std::int32_t* pred, cudaStream_t s);

// Adam with L2 decay, in place; c1, c2 the bias corrections 1 - beta^t.
struct adam_args {
  float lr;
  float beta1;
  float beta2;
  float eps;
  float weight_decay;
  float c1;
  float c2;
};
cudaError_t adam(float* param, const float* grad, float* m, float* v,
                 std::int64_t count, const adam_args& a, cudaStream_t s);

// *result = sum_k x_k (x_k - z_k), or sum_k x_k^2 when z is null, in double
// and in a fixed order; `partials` holds kReducePartials doubles.
inline constexpr int kReducePartials = 1024;
cudaError_t reduce_energy(const float* x, const float* z, std::int64_t count,
                          double* partials, double* result, cudaStream_t s);

// *count = number of elements that are NaN or Inf.
cudaError_t count_non_finite(const float* x, std::int64_t n,
                             unsigned long long* count, cudaStream_t s);

}  // namespace gcnops::kernels
