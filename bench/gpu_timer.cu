// Device helpers of the benchmarks (gpu_timer.hpp).
#include "gpu_timer.hpp"

#include "gcnops/random.hpp"

namespace gcnops::bench {

namespace {

__global__ void fill_uniform_kernel(float* p, std::int64_t n,
                                    std::uint64_t seed) {
  const std::int64_t k =
      blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (k < n) {
    p[k] = static_cast<float>(2.0 * hash_uniform(seed, 0, k) - 1.0);
  }
}

}  // namespace

void fill_uniform(float* p, std::int64_t n, std::uint64_t seed,
                  cudaStream_t s) {
  if (n == 0) return;
  fill_uniform_kernel<<<static_cast<unsigned>((n + 255) / 256), 256, 0, s>>>(
      p, n, seed);
}

gpu_timer::gpu_timer() {
  cudaEventCreate(&start_);
  cudaEventCreate(&stop_);
  int device = 0;
  int l2 = 0;
  cudaGetDevice(&device);
  cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device);
  scratch_ = cuda::device_buffer<char>(
      2 * static_cast<std::size_t>(l2 > 0 ? l2 : (64 << 20)), "L2 flush");
}

gpu_timer::~gpu_timer() {
  cudaEventDestroy(start_);
  cudaEventDestroy(stop_);
}

void gpu_timer::flush_l2() {
  cudaMemsetAsync(scratch_.data(), 0, scratch_.size());
}

}  // namespace gcnops::bench
