// kernels/epilogue.cuh: what the row kernels do with a finished row.
//
// Each epilogue receives a row's result `acc` for kVec columns starting at
// `col`, the row's own gathered values `self`, and fills `contrib` with its
// per-column sums (kStats of them). See row_kernel.cuh for the protocol.
#pragma once

#include "row_kernel.cuh"

namespace gcnops::kernels {

// out = act(v + bias) + residual, stored; returns the stored values in v.
template <activation A, int kVec>
__device__ __forceinline__ void finish_layer(std::int64_t at, int col,
                                             float (&v)[kVec],
                                             const float* bias,
                                             const float* residual,
                                             float* out) {
  float r[kVec];
  if (residual) {
    load_vec<kVec>(residual + at, r);
  } else {
#pragma unroll
    for (int k = 0; k < kVec; ++k)
      r[k] = 0.0f;
  }
#pragma unroll
  for (int k = 0; k < kVec; ++k) {
    const float b = bias ? bias[col + k] : 0.0f;
    v[k] = activate<A>(v[k] + b) + r[k];
  }
  store_vec<kVec>(out + at, v);
}

template <int kVec>
__device__ __forceinline__ void squares(const float (&v)[kVec],
                                        double (&sum)[kVec]) {
#pragma unroll
  for (int k = 0; k < kVec; ++k)
    sum[k] = double(v[k]) * double(v[k]);
}

// Local forward: y = alpha acc + beta x, then the layer.
template <activation A, bool kEnergy>
struct epilogue_forward_local {
  static constexpr int kStats = kEnergy ? 1 : 0;
  float* y;
  float alpha;
  float beta;
  const float* bias;
  const float* residual;
  float* out;
  int width;

  template <int kVec>
  __device__ __forceinline__ void store(std::int64_t row, int col,
                                        float (&acc)[kVec],
                                        const float (&self)[kVec],
                                        double (&contrib)[1][kVec]) const {
    const std::int64_t at = row * width + col;
    float v[kVec];
#pragma unroll
    for (int k = 0; k < kVec; ++k)
      v[k] = fmaf(alpha, acc[k], beta * self[k]);
    if (y) store_vec<kVec>(y + at, v);
    if (out) finish_layer<A, kVec>(at, col, v, bias, residual, out);
    if constexpr (kEnergy) squares<kVec>(v, contrib[0]);
  }
};

// Global forward, first pass: store z; sums of x^2, z, z^2.
struct epilogue_forward_gather {
  static constexpr int kStats = kForwardStats;
  float* z;
  int width;

  template <int kVec>
  __device__ __forceinline__ void store(std::int64_t row, int col,
                                        float (&acc)[kVec],
                                        const float (&self)[kVec],
                                        double (&contrib)[kStats][kVec]) const {
    store_vec<kVec>(z + row * width + col, acc);
#pragma unroll
    for (int k = 0; k < kVec; ++k) {
      contrib[0][k] = double(self[k]) * double(self[k]);
      contrib[1][k] = double(acc[k]);
      contrib[2][k] = double(acc[k]) * double(acc[k]);
    }
  }
};

// Global forward, second pass over z (elementwise): y = scale (z - shift),
// then the layer.
template <activation A, bool kEnergy>
struct epilogue_forward_apply {
  static constexpr int kStats = kEnergy ? 1 : 0;
  float* y;
  const float* col_scale;
  const float* col_shift;
  const float* bias;
  const float* residual;
  float* out;
  int width;

  template <int kVec>
  __device__ __forceinline__ void store(std::int64_t row, int col,
                                        float (&acc)[kVec],
                                        const float (&)[kVec],
                                        double (&contrib)[1][kVec]) const {
    const std::int64_t at = row * width + col;
    float v[kVec];
#pragma unroll
    for (int k = 0; k < kVec; ++k) {
      v[k] = col_scale[col + k] * (acc[k] - col_shift[col + k]);
    }
    store_vec<kVec>(y + at, v);
    if (out) finish_layer<A, kVec>(at, col, v, bias, residual, out);
    if constexpr (kEnergy) squares<kVec>(v, contrib[0]);
  }
};

// Local backward: dx = alpha acc + beta g; sum of g for the bias.
template <bool kBiasGrad>
struct epilogue_backward_local {
  static constexpr int kStats = kBiasGrad ? 1 : 0;
  float* dx;
  float alpha;
  float beta;
  int width;

  template <int kVec>
  __device__ __forceinline__ void store(std::int64_t row, int col,
                                        float (&acc)[kVec],
                                        const float (&self)[kVec],
                                        double (&contrib)[1][kVec]) const {
    float v[kVec];
#pragma unroll
    for (int k = 0; k < kVec; ++k)
      v[k] = fmaf(alpha, acc[k], beta * self[k]);
    store_vec<kVec>(dx + row * width + col, v);
    if constexpr (kBiasGrad) {
#pragma unroll
      for (int k = 0; k < kVec; ++k)
        contrib[0][k] = double(self[k]);
    }
  }
};

// Global backward, first pass (elementwise over g): sums of g, g y and y.
struct epilogue_backward_stats {
  static constexpr int kStats = kBackwardStats;
  const float* y;
  int width;

  template <int kVec>
  __device__ __forceinline__ void store(std::int64_t row, int col,
                                        float (&acc)[kVec],
                                        const float (&)[kVec],
                                        double (&contrib)[kStats][kVec]) const {
    float yv[kVec];
    load_vec<kVec>(y + row * width + col, yv);
#pragma unroll
    for (int k = 0; k < kVec; ++k) {
      contrib[0][k] = double(acc[k]);
      contrib[1][k] = double(acc[k]) * double(yv[k]);
      contrib[2][k] = double(yv[k]);
    }
  }
};

// Global backward, second pass: dx = acc + mu x.
struct epilogue_backward_global {
  static constexpr int kStats = 0;
  const float* mu;
  const float* x;
  float* dx;
  int width;

  template <int kVec>
  __device__ __forceinline__ void store(std::int64_t row, int col,
                                        float (&acc)[kVec],
                                        const float (&)[kVec],
                                        double (&)[1][kVec]) const {
    const std::int64_t at = row * width + col;
    float xv[kVec];
    load_vec<kVec>(x + at, xv);
#pragma unroll
    for (int k = 0; k < kVec; ++k)
      acc[k] = fmaf(mu[col + k], xv[k], acc[k]);
    store_vec<kVec>(dx + at, acc);
  }
};

}  // namespace gcnops::kernels
