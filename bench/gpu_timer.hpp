// bench/gpu_timer.hpp: timing GPU work with CUDA events, and the L2 flush.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "gcnops/cuda/runtime.hpp"

namespace gcnops::bench {

// Fills p[0 .. n) with uniform values in [-1, 1) from gcnops' counter-based
// stream, on the device.
void fill_uniform(float* p, std::int64_t n, std::uint64_t seed, cudaStream_t s);

class gpu_timer {
 public:
  gpu_timer();
  ~gpu_timer();
  gpu_timer(const gpu_timer&) = delete;
  gpu_timer& operator=(const gpu_timer&) = delete;

  // Milliseconds per call of fn(), over `repeats` back-to-back calls on the
  // default stream. With flush, the L2 cache is overwritten first and a
  // single call is timed, so that it starts cold.
  template <class Fn>
  double time_ms(Fn&& fn, int repeats, bool flush) {
    if (flush) {
      flush_l2();
      repeats = 1;
    }
    cudaEventRecord(start_);
    for (int k = 0; k < repeats; ++k)
      fn();
    cudaEventRecord(stop_);
    cudaEventSynchronize(stop_);
    float ms = 0.0f;
    cudaEventElapsedTime(&ms, start_, stop_);
    return ms / repeats;
  }

  void flush_l2();

 private:
  cudaEvent_t start_ = nullptr;
  cudaEvent_t stop_ = nullptr;
  cuda::device_buffer<char> scratch_;  // twice the L2 size
};

}  // namespace gcnops::bench
