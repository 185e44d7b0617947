// kernels/row_kernel.cuh: the row-parallel kernel family behind every
// operator (see launch.hpp for the layout).
//
// One template covers three kinds of pass, chosen by row_mode:
//   gather       out_i = a_i (diag_i b_i v_i + sum_e w_e b_j v_j), then the
//                epilogue; long rows add their precomputed tile partials
//                instead of walking their edges.
//   elementwise  out_i = v_i, then the epilogue (second passes).
// and tile_kernel sums one tile of a long row into tile_partials.
//
// What is gathered is a Load functor:
//   template <int kVec> void load(int64 row, int col, float (&v)[kVec])
// and what happens to a finished row is an Epilogue functor:
//   static constexpr int kStats;        // per-column sums it contributes
//   template <int kVec> void store(int64 row, int col, float (&acc)[kVec],
//       const float (&self)[kVec], double (&contrib)[kStats or 1][kVec])
// where `self` is v_i, loaded once per row for the diagonal term and reused
// (x_i for shifted, g_i for the bias gradient).
//
// Determinism: every row is summed by one group in edge order; per-column
// sums are reduced within a block by a fixed tree and across blocks by
// sum_partials in block order. No floating-point atomics anywhere.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "launch.hpp"

namespace gcnops::kernels {

// Lanes of this thread's group inside its warp, for __shfl_sync.
__device__ __forceinline__ unsigned group_mask(int group) {
  if (group == 32) return 0xffffffffu;
  const unsigned lanes = (1u << group) - 1u;
  const int first = (threadIdx.x & 31) & ~(group - 1);
  return lanes << first;
}

template <int kVec>
__device__ __forceinline__ void load_vec(const float* p, float (&v)[kVec]) {
  if constexpr (kVec == 4) {
    const float4 t = *reinterpret_cast<const float4*>(p);
    v[0] = t.x;
    v[1] = t.y;
    v[2] = t.z;
    v[3] = t.w;
  } else {
#pragma unroll
    for (int k = 0; k < kVec; ++k)
      v[k] = p[k];
  }
}

template <int kVec>
__device__ __forceinline__ void store_vec(float* p, const float (&v)[kVec]) {
  if constexpr (kVec == 4) {
    *reinterpret_cast<float4*>(p) = make_float4(v[0], v[1], v[2], v[3]);
  } else {
#pragma unroll
    for (int k = 0; k < kVec; ++k)
      p[k] = v[k];
  }
}

// Columns of slot `a` of this lane in slab `slab`.
__device__ __forceinline__ int slot_column(int slab, int a, int lane, int group,
                                           int vec, int acc) {
  return (slab * acc + a) * group * vec + lane * vec;
}

// Where a thread works: its group owns items first, first + stride, ...
// (rows or tiles); its lane owns kAcc vectors of kVec columns in the
// block's slab (blockIdx.y).
template <int kVec, int kAcc>
struct placement {
  int lane;
  std::int64_t first;
  std::int64_t stride;
  unsigned mask;
  int col[kAcc];
  bool valid[kAcc];

  __device__ __forceinline__ placement(int group, int width) {
    const int groups_per_block = kBlockThreads / group;
    lane = threadIdx.x & (group - 1);
    first = static_cast<std::int64_t>(blockIdx.x) * groups_per_block +
            threadIdx.x / group;
    stride = static_cast<std::int64_t>(gridDim.x) * groups_per_block;
    mask = group_mask(group);
#pragma unroll
    for (int a = 0; a < kAcc; ++a) {
      col[a] = slot_column(blockIdx.y, a, lane, group, kVec, kAcc);
      valid[a] = col[a] < width;
    }
  }
};

// acc += sum over edges [begin, end) of w_e b_j v_j. The group loads `group`
// edges at a time, one per lane, and broadcasts them, so that each lane
// gathers its columns of every neighbour in edge order.
template <int kVec, int kAcc, class Load>
__device__ __forceinline__ void gather_edges(
    const csr_direction& g, std::int64_t begin, std::int64_t end, int lane,
    int group, unsigned mask, const int (&col)[kAcc], const bool (&valid)[kAcc],
    const Load& load, float (&acc)[kAcc][kVec]) {
  for (std::int64_t e0 = begin; e0 < end; e0 += group) {
    // 1. One edge per lane: neighbour and coefficient w_e b_j.
    const std::int64_t e = e0 + lane;
    int j = 0;
    float w = 0.0f;
    if (e < end) {
      j = g.col[e];
      w = (g.weight ? g.weight[e] : 1.0f) * g.col_scale[j];
    }

    // 2. Broadcast them in turn; every lane accumulates its columns.
    const std::int64_t left = end - e0;
    const int count = left < group ? static_cast<int>(left) : group;
    for (int t = 0; t < count; ++t) {
      const int jj = __shfl_sync(mask, j, t, group);
      const float ww = __shfl_sync(mask, w, t, group);
#pragma unroll
      for (int a = 0; a < kAcc; ++a) {
        if (!valid[a]) continue;
        float v[kVec];
        load.template load<kVec>(jj, col[a], v);
#pragma unroll
        for (int k = 0; k < kVec; ++k)
          acc[a][k] = fmaf(ww, v[k], acc[a][k]);
      }
    }
  }
}

// Position of `row` in the sorted list of long rows.
__device__ __forceinline__ int find_long_row(const csr_direction& g,
                                             std::int64_t row) {
  int lo = 0;
  int hi = g.num_long_rows;
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (g.long_rows[mid] < row) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// Sums per-lane column contributions of the whole block with a fixed tree
// over the groups, then writes partials[blockIdx.x][q][column] for this
// block's slab. `smem` holds kBlockThreads * kStats * kSlots doubles.
template <int kStats, int kVec, int kAcc>
__device__ void reduce_block_stats(const double (&stats)[kStats][kAcc * kVec],
                                   double* smem, int lane, int group, int width,
                                   double* partials) {
  constexpr int kSlots = kAcc * kVec;
  const int tid = threadIdx.x;
  const int group_id = tid / group;
  const int groups = kBlockThreads / group;

  // 1. Every thread parks its sums.
#pragma unroll
  for (int q = 0; q < kStats; ++q) {
#pragma unroll
    for (int s = 0; s < kSlots; ++s) {
      smem[(q * kSlots + s) * kBlockThreads + tid] = stats[q][s];
    }
  }
  __syncthreads();

  // 2. Pairwise tree over groups: group g absorbs group g + step.
  for (int step = 1; step < groups; step *= 2) {
    if (group_id % (2 * step) == 0 && group_id + step < groups) {
      const int other = tid + step * group;
#pragma unroll
      for (int q = 0; q < kStats; ++q) {
#pragma unroll
        for (int s = 0; s < kSlots; ++s) {
          smem[(q * kSlots + s) * kBlockThreads + tid] +=
              smem[(q * kSlots + s) * kBlockThreads + other];
        }
      }
    }
    __syncthreads();
  }

  // 3. Group 0 holds the block's sums; write this slab's columns.
  if (group_id != 0) return;
  double* out =
      partials + static_cast<std::int64_t>(blockIdx.x) * kStats * width;
#pragma unroll
  for (int a = 0; a < kAcc; ++a) {
#pragma unroll
    for (int k = 0; k < kVec; ++k) {
      const int c = slot_column(blockIdx.y, a, lane, group, kVec, kAcc) + k;
      if (c >= width) continue;
#pragma unroll
      for (int q = 0; q < kStats; ++q) {
        out[q * width + c] =
            smem[(q * kSlots + a * kVec + k) * kBlockThreads + tid];
      }
    }
  }
}

enum class row_mode { gather, elementwise };

template <row_mode kMode, int kVec, int kAcc, class Load, class Epilogue>
__global__ void __launch_bounds__(kBlockThreads)
    row_kernel(csr_direction g, std::int64_t rows, int width, int group,
               Load load, Epilogue epi, const float* tile_partials,
               double* partials) {
  constexpr int kStats = Epilogue::kStats;
  constexpr int kStatsDim = kStats > 0 ? kStats : 1;
  extern __shared__ double smem[];

  // 1. Place the thread (rows grid-strided, columns in the block's slab).
  const placement<kVec, kAcc> at(group, width);
  const int lane = at.lane;
  const auto& col = at.col;
  const auto& valid = at.valid;
  double stats[kStatsDim][kAcc * kVec] = {};

  for (std::int64_t i = at.first; i < rows; i += at.stride) {
    // 2. The row's own values: the diagonal term, reused by the epilogue.
    float self[kAcc][kVec];
    float acc[kAcc][kVec];
#pragma unroll
    for (int a = 0; a < kAcc; ++a) {
#pragma unroll
      for (int k = 0; k < kVec; ++k)
        self[a][k] = 0.0f;
      if (valid[a]) load.template load<kVec>(i, col[a], self[a]);
    }

    if constexpr (kMode == row_mode::gather) {
      // 3. Diagonal first, then the neighbours (or the long row's tiles).
      const float d = g.diag[i] * g.col_scale[i];
#pragma unroll
      for (int a = 0; a < kAcc; ++a) {
#pragma unroll
        for (int k = 0; k < kVec; ++k)
          acc[a][k] = d * self[a][k];
      }
      const std::int64_t begin = g.row_ptr[i];
      const std::int64_t end = g.row_ptr[i + 1];
      if (end - begin <= g.long_row_edges) {
        gather_edges<kVec, kAcc>(g, begin, end, lane, group, at.mask, col,
                                 valid, load, acc);
      } else {
        const int r = find_long_row(g, i);
        for (int t = g.tile_offset[r]; t < g.tile_offset[r + 1]; ++t) {
#pragma unroll
          for (int a = 0; a < kAcc; ++a) {
            if (!valid[a]) continue;
            float v[kVec];
            load_vec<kVec>(
                tile_partials + static_cast<std::int64_t>(t) * width + col[a],
                v);
#pragma unroll
            for (int k = 0; k < kVec; ++k)
              acc[a][k] += v[k];
          }
        }
      }

      // 4. Row scale.
      const float r = g.row_scale[i];
#pragma unroll
      for (int a = 0; a < kAcc; ++a) {
#pragma unroll
        for (int k = 0; k < kVec; ++k)
          acc[a][k] *= r;
      }
    } else {
#pragma unroll
      for (int a = 0; a < kAcc; ++a) {
#pragma unroll
        for (int k = 0; k < kVec; ++k)
          acc[a][k] = self[a][k];
      }
    }

    // 5. Epilogue, and its per-column contributions.
#pragma unroll
    for (int a = 0; a < kAcc; ++a) {
      if (!valid[a]) continue;
      double contrib[kStatsDim][kVec];
      epi.template store<kVec>(i, col[a], acc[a], self[a], contrib);
      if constexpr (kStats > 0) {
#pragma unroll
        for (int q = 0; q < kStats; ++q) {
#pragma unroll
          for (int k = 0; k < kVec; ++k) {
            // A vector may run past the last column only for kVec == 1,
            // where col[a] < width already holds.
            stats[q][a * kVec + k] += contrib[q][k];
          }
        }
      }
    }
  }

  // 6. Per-column sums of the block, reduced in a fixed order.
  if constexpr (kStats > 0) {
    reduce_block_stats<kStats, kVec, kAcc>(stats, smem, lane, group, width,
                                           partials);
  }
}

// Sums the edges of one tile of a long row into tile_partials[tile].
template <int kVec, int kAcc, class Load>
__global__ void __launch_bounds__(kBlockThreads)
    tile_kernel(csr_direction g, int width, int group, Load load,
                float* tile_partials) {
  const placement<kVec, kAcc> at(group, width);
  for (std::int64_t t = at.first; t < g.num_tiles; t += at.stride) {
    float acc[kAcc][kVec] = {};
    gather_edges<kVec, kAcc>(g, g.tile_begin[t], g.tile_end[t], at.lane, group,
                             at.mask, at.col, at.valid, load, acc);
#pragma unroll
    for (int a = 0; a < kAcc; ++a) {
      if (at.valid[a]) {
        store_vec<kVec>(tile_partials + t * width + at.col[a], acc[a]);
      }
    }
  }
}

// Shared memory a row_kernel with kStats sums needs per block.
template <int kStats, int kVec, int kAcc>
constexpr std::size_t stats_smem_bytes() {
  return kStats > 0 ? sizeof(double) * kBlockThreads * kStats * kVec * kAcc : 0;
}

// Launches tile_kernel (when the direction has long rows) then row_kernel
// in gather mode, for one (kVec, kAcc) instantiation.
template <int kVec, int kAcc, class Load, class Epilogue>
cudaError_t launch_gather(const csr_direction& g, const row_layout& layout,
                          const Load& load, const Epilogue& epi,
                          float* tile_partials, double* partials,
                          cudaStream_t s) {
  if (g.num_tiles > 0) {
    const int groups_per_block = kBlockThreads / layout.group;
    const dim3 tiles_grid(
        static_cast<unsigned>((g.num_tiles + groups_per_block - 1) /
                              groups_per_block),
        static_cast<unsigned>(layout.slabs));
    tile_kernel<kVec, kAcc, Load><<<tiles_grid, kBlockThreads, 0, s>>>(
        g, layout.width, layout.group, load, tile_partials);
    if (const cudaError_t e = cudaGetLastError(); e != cudaSuccess) return e;
  }
  const dim3 grid(static_cast<unsigned>(layout.grid_x),
                  static_cast<unsigned>(layout.slabs));
  constexpr std::size_t smem = stats_smem_bytes<Epilogue::kStats, kVec, kAcc>();
  row_kernel<row_mode::gather, kVec, kAcc, Load, Epilogue>
      <<<grid, kBlockThreads, smem, s>>>(g, g.num_rows, layout.width,
                                         layout.group, load, epi, tile_partials,
                                         partials);
  return cudaGetLastError();
}

template <int kVec, int kAcc, class Load, class Epilogue>
cudaError_t launch_elementwise(const row_layout& layout, std::int64_t rows,
                               const Load& load, const Epilogue& epi,
                               double* partials, cudaStream_t s) {
  const dim3 grid(static_cast<unsigned>(layout.grid_x),
                  static_cast<unsigned>(layout.slabs));
  constexpr std::size_t smem = stats_smem_bytes<Epilogue::kStats, kVec, kAcc>();
  row_kernel<row_mode::elementwise, kVec, kAcc, Load, Epilogue>
      <<<grid, kBlockThreads, smem, s>>>(csr_direction{}, rows, layout.width,
                                         layout.group, load, epi, nullptr,
                                         partials);
  return cudaGetLastError();
}

// Calls fn.template operator()<kVec, kAcc>() for the layout's shape.
template <class Fn>
cudaError_t dispatch_shape(const row_layout& layout, Fn&& fn) {
  if (layout.vec == 4) {
    return layout.acc == 2 ? fn.template operator()<4, 2>()
                           : fn.template operator()<4, 1>();
  }
  return layout.acc == 2 ? fn.template operator()<1, 2>()
                         : fn.template operator()<1, 1>();
}

// Loads -------------------------------------------------------------------

// A row-major matrix.
struct load_matrix {
  const float* m;
  int width;
  template <int kVec>
  __device__ __forceinline__ void load(std::int64_t row, int col,
                                       float (&v)[kVec]) const {
    load_vec<kVec>(m + row * width + col, v);
  }
};

// g = d_out * act'(y + bias): the backward prologue, applied on load.
template <activation A>
struct load_gradient {
  const float* d_out;
  const float* y;
  const float* bias;
  int width;
  template <int kVec>
  __device__ __forceinline__ void load(std::int64_t row, int col,
                                       float (&v)[kVec]) const {
    load_vec<kVec>(d_out + row * width + col, v);
    if constexpr (A != activation::identity) {
      float u[kVec];
      load_vec<kVec>(y + row * width + col, u);
#pragma unroll
      for (int k = 0; k < kVec; ++k) {
        const float b = bias ? bias[col + k] : 0.0f;
        v[k] *= activate_grad<A>(u[k] + b);
      }
    }
  }
};

// t = p g + q y + o per column: the global operators' backward map.
template <activation A>
struct load_affine {
  load_gradient<A> grad;
  const float* p;
  const float* q;
  const float* o;
  template <int kVec>
  __device__ __forceinline__ void load(std::int64_t row, int col,
                                       float (&v)[kVec]) const {
    float y[kVec];
    grad.template load<kVec>(row, col, v);
    load_vec<kVec>(grad.y + row * grad.width + col, y);
#pragma unroll
    for (int k = 0; k < kVec; ++k) {
      v[k] = fmaf(p[col + k], v[k], fmaf(q[col + k], y[k], o[col + k]));
    }
  }
};

}  // namespace gcnops::kernels
