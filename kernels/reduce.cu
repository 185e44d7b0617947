// Cross-block reductions and the per-column coefficients of the global
// operators. All of these touch O(blocks x F) or O(F) data; they run in a
// fixed order so that results are bitwise reproducible.
#include <cuda_runtime.h>

#include <cmath>

#include "launch.hpp"

namespace gcnops::kernels {

namespace {

constexpr int kReduceWarps = 8;

// totals[e] = sum over b of partials[b * entries + e]. A block owns 32
// entries; its 8 warps each sum a fixed slice of the blocks, and warp 0
// adds the slices in order.
__global__ void __launch_bounds__(kReduceWarps * 32)
    sum_partials_kernel(const double* partials, int blocks, int entries,
                        double* totals) {
  __shared__ double slice_sum[kReduceWarps][32];
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int entry = blockIdx.x * 32 + lane;

  // 1. This warp's slice of the blocks, summed in order.
  const int b0 =
      static_cast<int>(static_cast<long long>(blocks) * warp / kReduceWarps);
  const int b1 = static_cast<int>(static_cast<long long>(blocks) * (warp + 1) /
                                  kReduceWarps);
  double s = 0.0;
  if (entry < entries) {
    for (int b = b0; b < b1; ++b) {
      s += partials[static_cast<long long>(b) * entries + entry];
    }
  }
  slice_sum[warp][lane] = s;
  __syncthreads();

  // 2. The slices, in order.
  if (warp == 0 && entry < entries) {
    double t = 0.0;
    for (int w = 0; w < kReduceWarps; ++w)
      t += slice_sum[w][lane];
    totals[entry] = t;
  }
}

constexpr int kCoefficientThreads = 256;

// Sum of one value per thread over the block, by a fixed tree; every
// thread gets the result.
__device__ double block_sum(double v, double* smem) {
  smem[threadIdx.x] = v;
  __syncthreads();
  for (int step = kCoefficientThreads / 2; step > 0; step /= 2) {
    if (threadIdx.x < step) smem[threadIdx.x] += smem[threadIdx.x + step];
    __syncthreads();
  }
  const double total = smem[0];
  __syncthreads();
  return total;
}

// Sum over columns of totals[f], each thread taking f = tid, tid + 256, ...
__device__ double sum_over_columns(const double* totals, int width,
                                   double* smem) {
  double v = 0.0;
  for (int f = threadIdx.x; f < width; f += kCoefficientThreads) {
    v += totals[f];
  }
  return block_sum(v, smem);
}

__global__ void __launch_bounds__(kCoefficientThreads)
    forward_coefficients_kernel(forward_coefficient_args a) {
  __shared__ double smem[kCoefficientThreads];
  const int w = a.width;
  const double n = static_cast<double>(a.rows);
  const double* x2 = a.totals;
  const double* z1 = a.totals + w;
  const double* z2 = a.totals + 2 * w;

  switch (a.kind) {
    case op_kind::energy: {
      // s = ||X|| / ||Z||, or 1 when ||Z|| < guard.
      const double xx = sum_over_columns(x2, w, smem);
      const double zz = sum_over_columns(z2, w, smem);
      const double zn = sqrt(zz);
      const bool guarded = !(zn >= a.guard);
      const double s = guarded ? 1.0 : sqrt(xx) / zn;
      for (int f = threadIdx.x; f < w; f += kCoefficientThreads) {
        a.col_scale[f] = static_cast<float>(s);
        a.col_shift[f] = 0.0f;
      }
      if (threadIdx.x == 0) {
        a.scalars[kScale] = s;
        a.scalars[kSigma] = 1.0;
        a.scalars[kXNormSq] = guarded ? 0.0 : xx;
        a.scalars[kGuarded] = guarded ? 1.0 : 0.0;
      }
      break;
    }
    case op_kind::energy_col:
      // s_f = ||X_f|| / ||Z_f||; a guarded column keeps 1 and records a
      // zero norm, which turns its gradient terms off.
      for (int f = threadIdx.x; f < w; f += kCoefficientThreads) {
        const double zn = sqrt(z2[f]);
        const bool guarded = !(zn >= a.guard);
        a.col_scale[f] = static_cast<float>(guarded ? 1.0 : sqrt(x2[f]) / zn);
        a.col_shift[f] = 0.0f;
        a.col_x_norm_sq[f] = guarded ? 0.0 : x2[f];
      }
      if (threadIdx.x == 0) {
        a.scalars[kScale] = 1.0;
        a.scalars[kSigma] = 1.0;
        a.scalars[kXNormSq] = 0.0;
        a.scalars[kGuarded] = 0.0;
      }
      break;
    case op_kind::mean_centered:
      for (int f = threadIdx.x; f < w; f += kCoefficientThreads) {
        a.col_scale[f] = 1.0f;
        a.col_shift[f] = static_cast<float>(n > 0 ? z1[f] / n : 0.0);
      }
      if (threadIdx.x == 0) {
        a.scalars[kScale] = 1.0;
        a.scalars[kSigma] = 1.0;
        a.scalars[kXNormSq] = 0.0;
        a.scalars[kGuarded] = 0.0;
      }
      break;
    case op_kind::pairnorm: {
      // ||Zc||^2 = sum_f (sum z_f^2 - N mean_f^2), in double.
      double centred = 0.0;
      for (int f = threadIdx.x; f < w; f += kCoefficientThreads) {
        const double mean = n > 0 ? z1[f] / n : 0.0;
        centred += z2[f] - n * mean * mean;
      }
      centred = fmax(block_sum(centred, smem), 0.0);
      const double sigma = sqrt(a.pairnorm_eps + (n > 0 ? centred / n : 0.0));
      const double scale = a.pairnorm_scale / sigma;
      for (int f = threadIdx.x; f < w; f += kCoefficientThreads) {
        a.col_scale[f] = static_cast<float>(scale);
        a.col_shift[f] = static_cast<float>(n > 0 ? z1[f] / n : 0.0);
      }
      if (threadIdx.x == 0) {
        a.scalars[kScale] = scale;
        a.scalars[kSigma] = sigma;
        a.scalars[kXNormSq] = 0.0;
        a.scalars[kGuarded] = 0.0;
      }
      break;
    }
    default:
      break;
  }
}

__global__ void __launch_bounds__(kCoefficientThreads)
    backward_coefficients_kernel(backward_coefficient_args a) {
  __shared__ double smem[kCoefficientThreads];
  const int w = a.width;
  const double n = static_cast<double>(a.rows);
  const double* g1 = a.totals;
  const double* gy = a.totals + w;
  const double* y1 = a.totals + 2 * w;

  switch (a.kind) {
    case op_kind::energy: {
      // mu = <G, Y> / ||X||^2 (0 when guarded), t = s (g - mu y).
      const double dot = sum_over_columns(gy, w, smem);
      const double xx = a.scalars[kXNormSq];
      const double mu = xx > 0 ? dot / xx : 0.0;
      const double s = a.scalars[kScale];
      for (int f = threadIdx.x; f < w; f += kCoefficientThreads) {
        a.p[f] = static_cast<float>(s);
        a.q[f] = static_cast<float>(-s * mu);
        a.o[f] = 0.0f;
        a.mu[f] = static_cast<float>(mu);
      }
      break;
    }
    case op_kind::energy_col:
      for (int f = threadIdx.x; f < w; f += kCoefficientThreads) {
        const double xx = a.col_x_norm_sq[f];
        const double mu = xx > 0 ? gy[f] / xx : 0.0;
        const double s = a.col_scale[f];
        a.p[f] = static_cast<float>(s);
        a.q[f] = static_cast<float>(-s * mu);
        a.o[f] = 0.0f;
        a.mu[f] = static_cast<float>(mu);
      }
      break;
    case op_kind::mean_centered:
      // t = g - colmean(g).
      for (int f = threadIdx.x; f < w; f += kCoefficientThreads) {
        a.p[f] = 1.0f;
        a.q[f] = 0.0f;
        a.o[f] = static_cast<float>(n > 0 ? -g1[f] / n : 0.0);
        a.mu[f] = 0.0f;
      }
      break;
    case op_kind::pairnorm: {
      // dZc = (s/sigma)(g - k y), k = <G, Y> / (N s^2); t = dZc minus its
      // column mean.
      const double dot = sum_over_columns(gy, w, smem);
      const double s = a.pairnorm_scale;
      const double k = n > 0 ? dot / (n * s * s) : 0.0;
      const double pp = a.scalars[kScale];
      for (int f = threadIdx.x; f < w; f += kCoefficientThreads) {
        const double g_mean = n > 0 ? g1[f] / n : 0.0;
        const double y_mean = n > 0 ? y1[f] / n : 0.0;
        a.p[f] = static_cast<float>(pp);
        a.q[f] = static_cast<float>(-pp * k);
        a.o[f] = static_cast<float>(-(pp * g_mean - pp * k * y_mean));
        a.mu[f] = 0.0f;
      }
      break;
    }
    default:
      break;
  }
  if (a.d_bias) {
    for (int f = threadIdx.x; f < w; f += kCoefficientThreads) {
      a.d_bias[f] = static_cast<float>(g1[f]);
    }
  }
}

__global__ void totals_to_float_kernel(const double* totals, int width,
                                       float* out) {
  const int f = blockIdx.x * blockDim.x + threadIdx.x;
  if (f < width) out[f] = static_cast<float>(totals[f]);
}

__global__ void sum_columns_kernel(const double* totals, int width,
                                   double* result) {
  double s = 0.0;
  for (int f = 0; f < width; ++f)
    s += totals[f];
  *result = s;
}

}  // namespace

cudaError_t sum_partials(const double* partials, int blocks, int quantities,
                         int width, double* totals, cudaStream_t s) {
  const int entries = quantities * width;
  const int grid = (entries + 31) / 32;
  sum_partials_kernel<<<grid, kReduceWarps * 32, 0, s>>>(partials, blocks,
                                                         entries, totals);
  return cudaGetLastError();
}

cudaError_t forward_coefficients(const forward_coefficient_args& args,
                                 cudaStream_t s) {
  forward_coefficients_kernel<<<1, kCoefficientThreads, 0, s>>>(args);
  return cudaGetLastError();
}

cudaError_t backward_coefficients(const backward_coefficient_args& args,
                                  cudaStream_t s) {
  backward_coefficients_kernel<<<1, kCoefficientThreads, 0, s>>>(args);
  return cudaGetLastError();
}

cudaError_t totals_to_float(const double* totals, int width, float* out,
                            cudaStream_t s) {
  totals_to_float_kernel<<<(width + 255) / 256, 256, 0, s>>>(totals, width,
                                                             out);
  return cudaGetLastError();
}

cudaError_t sum_columns(const double* totals, int width, double* result,
                        cudaStream_t s) {
  sum_columns_kernel<<<1, 1, 0, s>>>(totals, width, result);
  return cudaGetLastError();
}

}  // namespace gcnops::kernels
