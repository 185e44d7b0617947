// The model's kernels outside propagation: dropout, bias and activation,
// loss, optimiser and reductions (model_launch.hpp). All element-wise
// kernels are grid-strided; every reduction runs in a fixed order.
#include <cmath>

#include "gcnops/random.hpp"
#include "model_launch.hpp"

namespace gcnops::kernels {

namespace {

constexpr int kThreads = 256;

unsigned blocks_for(std::int64_t count) {
  const std::int64_t b = (count + kThreads - 1) / kThreads;
  return static_cast<unsigned>(b < 65535 * 16 ? (b > 0 ? b : 1) : 65535 * 16);
}

__device__ __forceinline__ std::int64_t global_index() {
  return static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}

__device__ __forceinline__ std::int64_t global_stride() {
  return static_cast<std::int64_t>(gridDim.x) * blockDim.x;
}

template <activation A>
__device__ __forceinline__ float act_grad(float u) {
  return activate_grad<A>(u);
}

__global__ void dropout_kernel(const float* in, float* out, std::int64_t n,
                               double p, float scale, std::uint64_t seed,
                               std::uint64_t stream) {
  const std::uint64_t key = stream_key(seed, stream);
  const std::uint32_t threshold = dropout_threshold(p);
  for (std::int64_t k = global_index(); k < n; k += global_stride()) {
    const bool keep =
        dropout_keeps(key, static_cast<std::uint64_t>(k), threshold);
    out[k] = keep ? in[k] * scale : 0.0f;
  }
}

template <activation A>
__global__ void bias_activation_kernel(const float* u, const float* bias,
                                       const float* residual, float* out,
                                       std::int64_t n, int width) {
  for (std::int64_t k = global_index(); k < n; k += global_stride()) {
    const int f = static_cast<int>(k % width);
    const float v = activate<A>(u[k] + (bias ? bias[f] : 0.0f));
    out[k] = residual ? v + residual[k] : v;
  }
}

template <activation A>
__global__ void bias_activation_backward_kernel(const float* d_out,
                                                const float* u,
                                                const float* bias, float* du,
                                                std::int64_t n, int width) {
  for (std::int64_t k = global_index(); k < n; k += global_stride()) {
    const int f = static_cast<int>(k % width);
    du[k] = d_out[k] * act_grad<A>(u[k] + (bias ? bias[f] : 0.0f));
  }
}

// A block owns 32 columns; its 8 warps sum fixed slices of the rows, and
// warp 0 adds the slices in order.
__global__ void column_sums_kernel(const float* x, std::int64_t rows, int width,
                                   float* out) {
  __shared__ double slice[8][32];
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int f = blockIdx.x * 32 + lane;
  const std::int64_t r0 = rows * warp / 8;
  const std::int64_t r1 = rows * (warp + 1) / 8;
  double s = 0.0;
  if (f < width) {
    for (std::int64_t i = r0; i < r1; ++i)
      s += x[i * width + f];
  }
  slice[warp][lane] = s;
  __syncthreads();
  if (warp == 0 && f < width) {
    double t = 0.0;
    for (int w = 0; w < 8; ++w)
      t += slice[w][lane];
    out[f] = static_cast<float>(t);
  }
}

__global__ void axpby_kernel(float alpha, const float* x, float beta, float* y,
                             std::int64_t n) {
  for (std::int64_t k = global_index(); k < n; k += global_stride()) {
    y[k] = alpha * x[k] + beta * y[k];
  }
}

// One thread per listed node: softmax in double, its loss term and its row
// of the gradient.
__global__ void cross_entropy_kernel(const float* logits, int classes,
                                     const std::int32_t* labels,
                                     const std::int32_t* nodes,
                                     std::int64_t count, float* d_logits,
                                     double* terms) {
  const std::int64_t t = global_index();
  if (t >= count) return;
  const std::int64_t i = nodes[t];
  const float* z = logits + i * classes;
  double top = z[0];
  for (int c = 1; c < classes; ++c)
    top = fmax(top, double(z[c]));
  double sum = 0.0;
  for (int c = 0; c < classes; ++c)
    sum += exp(double(z[c]) - top);
  const int y = labels[i];
  const double inv = 1.0 / static_cast<double>(count);
  terms[t] = -(double(z[y]) - top - log(sum)) * inv;
  float* d = d_logits + i * classes;
  for (int c = 0; c < classes; ++c) {
    const double p = exp(double(z[c]) - top) / sum;
    d[c] = static_cast<float>((p - (c == y ? 1.0 : 0.0)) * inv);
  }
}

// Sums `count` doubles in order per thread, then a fixed tree: one block.
__global__ void sum_doubles_kernel(const double* v, std::int64_t count,
                                   double* result) {
  __shared__ double part[kThreads];
  double s = 0.0;
  const std::int64_t per = (count + kThreads - 1) / kThreads;
  const std::int64_t b = threadIdx.x * per;
  const std::int64_t e = b + per < count ? b + per : count;
  for (std::int64_t k = b; k < e; ++k)
    s += v[k];
  part[threadIdx.x] = s;
  __syncthreads();
  for (int step = kThreads / 2; step > 0; step /= 2) {
    if (threadIdx.x < step) part[threadIdx.x] += part[threadIdx.x + step];
    __syncthreads();
  }
  if (threadIdx.x == 0) *result = part[0];
}

__global__ void argmax_kernel(const float* logits, std::int64_t rows,
                              int classes, std::int32_t* pred) {
  for (std::int64_t i = global_index(); i < rows; i += global_stride()) {
    const float* z = logits + i * classes;
    int best = 0;
    for (int c = 1; c < classes; ++c) {
      if (z[c] > z[best]) best = c;
    }
    pred[i] = best;
  }
}

__global__ void adam_kernel(float* param, const float* grad, float* m, float* v,
                            std::int64_t n, adam_args a) {
  for (std::int64_t k = global_index(); k < n; k += global_stride()) {
    const float g = grad[k] + a.weight_decay * param[k];
    const float mk = a.beta1 * m[k] + (1.0f - a.beta1) * g;
    const float vk = a.beta2 * v[k] + (1.0f - a.beta2) * g * g;
    m[k] = mk;
    v[k] = vk;
    param[k] -= a.lr * (mk / a.c1) / (sqrtf(vk / a.c2) + a.eps);
  }
}

// Per block: sum of x (x - z) (or x^2) over a grid-strided share, then a
// fixed tree; partials[blockIdx.x] gets the block's sum.
__global__ void energy_partials_kernel(const float* x, const float* z,
                                       std::int64_t n, double* partials) {
  __shared__ double part[kThreads];
  double s = 0.0;
  for (std::int64_t k = global_index(); k < n; k += global_stride()) {
    const double xv = x[k];
    s += z ? xv * (xv - double(z[k])) : xv * xv;
  }
  part[threadIdx.x] = s;
  __syncthreads();
  for (int step = kThreads / 2; step > 0; step /= 2) {
    if (threadIdx.x < step) part[threadIdx.x] += part[threadIdx.x + step];
    __syncthreads();
  }
  if (threadIdx.x == 0) partials[blockIdx.x] = part[0];
}

__global__ void count_non_finite_kernel(const float* x, std::int64_t n,
                                        unsigned long long* count) {
  unsigned long long local = 0;
  for (std::int64_t k = global_index(); k < n; k += global_stride()) {
    local += isfinite(x[k]) ? 0 : 1;
  }
  if (local) atomicAdd(count, local);
}

}  // namespace

cudaError_t dropout(const float* in, float* out, std::int64_t count, double p,
                    std::uint64_t seed, std::uint64_t stream, cudaStream_t s) {
  if (count == 0) return cudaSuccess;
  const float scale = static_cast<float>(1.0 / (1.0 - p));
  dropout_kernel<<<blocks_for(count), kThreads, 0, s>>>(in, out, count, p,
                                                        scale, seed, stream);
  return cudaGetLastError();
}

cudaError_t bias_activation(const float* u, const float* bias, activation act,
                            const float* residual, float* out,
                            std::int64_t rows, int width, cudaStream_t s) {
  const std::int64_t n = rows * width;
  if (n == 0) return cudaSuccess;
  with_activation(act, [&]<activation A>() {
    bias_activation_kernel<A>
        <<<blocks_for(n), kThreads, 0, s>>>(u, bias, residual, out, n, width);
  });
  return cudaGetLastError();
}

cudaError_t bias_activation_backward(const float* d_out, const float* u,
                                     const float* bias, activation act,
                                     float* du, std::int64_t rows, int width,
                                     cudaStream_t s) {
  const std::int64_t n = rows * width;
  if (n == 0) return cudaSuccess;
  with_activation(act, [&]<activation A>() {
    bias_activation_backward_kernel<A>
        <<<blocks_for(n), kThreads, 0, s>>>(d_out, u, bias, du, n, width);
  });
  return cudaGetLastError();
}

cudaError_t column_sums(const float* x, std::int64_t rows, int width,
                        float* out, cudaStream_t s) {
  if (width == 0) return cudaSuccess;
  column_sums_kernel<<<(width + 31) / 32, kThreads, 0, s>>>(x, rows, width,
                                                            out);
  return cudaGetLastError();
}

cudaError_t axpby(float alpha, const float* x, float beta, float* y,
                  std::int64_t count, cudaStream_t s) {
  if (count == 0) return cudaSuccess;
  axpby_kernel<<<blocks_for(count), kThreads, 0, s>>>(alpha, x, beta, y, count);
  return cudaGetLastError();
}

cudaError_t cross_entropy(const float* logits, int classes,
                          const std::int32_t* labels, const std::int32_t* nodes,
                          std::int64_t count, float* d_logits, double* terms,
                          double* loss, cudaStream_t s) {
  if (count > 0) {
    cross_entropy_kernel<<<blocks_for(count), kThreads, 0, s>>>(
        logits, classes, labels, nodes, count, d_logits, terms);
  }
  sum_doubles_kernel<<<1, kThreads, 0, s>>>(terms, count, loss);
  return cudaGetLastError();
}

cudaError_t argmax_rows(const float* logits, std::int64_t rows, int classes,
                        std::int32_t* pred, cudaStream_t s) {
  if (rows == 0) return cudaSuccess;
  argmax_kernel<<<blocks_for(rows), kThreads, 0, s>>>(logits, rows, classes,
                                                      pred);
  return cudaGetLastError();
}

cudaError_t adam(float* param, const float* grad, float* m, float* v,
                 std::int64_t count, const adam_args& a, cudaStream_t s) {
  if (count == 0) return cudaSuccess;
  adam_kernel<<<blocks_for(count), kThreads, 0, s>>>(param, grad, m, v, count,
                                                     a);
  return cudaGetLastError();
}

cudaError_t reduce_energy(const float* x, const float* z, std::int64_t count,
                          double* partials, double* result, cudaStream_t s) {
  const std::int64_t want = (count + kThreads * 4 - 1) / (kThreads * 4);
  const int blocks = static_cast<int>(
      want < kReducePartials ? (want > 0 ? want : 1) : kReducePartials);
  energy_partials_kernel<<<blocks, kThreads, 0, s>>>(x, z, count, partials);
  sum_doubles_kernel<<<1, kThreads, 0, s>>>(partials, blocks, result);
  return cudaGetLastError();
}

cudaError_t count_non_finite(const float* x, std::int64_t n,
                             unsigned long long* count, cudaStream_t s) {
  cudaError_t e = cudaMemsetAsync(count, 0, sizeof(unsigned long long), s);
  if (e != cudaSuccess || n == 0) return e;
  count_non_finite_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, n, count);
  return cudaGetLastError();
}

}  // namespace gcnops::kernels
