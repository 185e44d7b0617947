// Turning CUDA, cuBLAS and cuSPARSE statuses into exceptions (private).
//
// GCNOPS_CUDA_CHECK(call, context...) evaluates `call` (a cudaError_t
// expression) and throws device_error "<call> failed at <file>:<line>:
// <error name> (<description>); <context>" unless it returned cudaSuccess;
// out-of-memory becomes gcnops::out_of_memory. The context arguments are
// streamed only on failure, so they may describe sizes freely.
#pragma once

#include <cuda_runtime.h>

#include <string>
#include <string_view>

#include "gcnops/error.hpp"

namespace gcnops::cuda::detail {

[[noreturn]] void throw_cuda_error(cudaError_t status, const char* call,
                                   const char* file, int line,
                                   const std::string& context);

// True when GCNOPS_SYNC_LAUNCHES=1 is set in the environment, or in debug
// builds: every launch is then followed by a synchronisation, so that an
// asynchronous failure is reported at the kernel that caused it.
bool sync_after_launch();

}  // namespace gcnops::cuda::detail

#define GCNOPS_CUDA_CHECK(call, ...)                 \
  do {                                               \
    const cudaError_t gcnops_status_ = (call);       \
    if (gcnops_status_ != cudaSuccess) {             \
      ::gcnops::cuda::detail::throw_cuda_error(      \
          gcnops_status_, #call, __FILE__, __LINE__, \
          ::gcnops::detail::concat(__VA_ARGS__));    \
    }                                                \
  } while (0)

// A kernel launcher's status, then (when sync_after_launch()) the status
// of the kernel itself.
#define GCNOPS_LAUNCH_CHECK(call, stream, ...)                                \
  do {                                                                        \
    GCNOPS_CUDA_CHECK(call, __VA_ARGS__);                                     \
    if (::gcnops::cuda::detail::sync_after_launch()) {                        \
      GCNOPS_CUDA_CHECK(cudaStreamSynchronize(stream), "after ", #call, "; ", \
                        __VA_ARGS__);                                         \
    }                                                                         \
  } while (0)
