// Devices, memory and error reporting of the CUDA backend.
#include "gcnops/cuda/runtime.hpp"

#include <cuda_runtime.h>

#include <cstdlib>

#include "check.hpp"

namespace gcnops::cuda {

namespace detail {

void throw_cuda_error(cudaError_t status, const char* call, const char* file,
                      int line, const std::string& context) {
  cudaGetLastError();  // clear a sticky launch error for later calls
  std::string message = gcnops::detail::concat(
      call, " failed at ", file, ":", line, ": ", cudaGetErrorName(status),
      " (", cudaGetErrorString(status), ")");
  if (!context.empty()) message += "; " + context;
  if (status == cudaErrorMemoryAllocation) throw out_of_memory(0, message);
  throw device_error(message);
}

bool sync_after_launch() {
#ifndef NDEBUG
  return true;
#else
  static const bool on = [] {
    const char* v = std::getenv("GCNOPS_SYNC_LAUNCHES");
    return v != nullptr && std::string(v) == "1";
  }();
  return on;
#endif
}

void* allocate(std::size_t bytes, std::string_view what) {
  void* p = nullptr;
  const cudaError_t status = cudaMalloc(&p, bytes);
  if (status == cudaSuccess) return p;
  cudaGetLastError();
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  cudaMemGetInfo(&free_bytes, &total_bytes);
  const std::string message = gcnops::detail::concat(
      what, ": cudaMalloc of ", bytes,
      " bytes failed: ", cudaGetErrorName(status), " (", free_bytes, " of ",
      total_bytes, " bytes free on the device)");
  if (status == cudaErrorMemoryAllocation) throw out_of_memory(bytes, message);
  throw device_error(message);
}

void release(void* ptr) noexcept {
  if (ptr != nullptr) cudaFree(ptr);
}

void copy(void* dst, const void* src, std::size_t bytes, copy_kind kind,
          stream_t stream) {
  if (bytes == 0) return;
  const cudaMemcpyKind k =
      kind == copy_kind::host_to_device   ? cudaMemcpyHostToDevice
      : kind == copy_kind::device_to_host ? cudaMemcpyDeviceToHost
                                          : cudaMemcpyDeviceToDevice;
  GCNOPS_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, k, stream), bytes,
                    " bytes");
  if (kind == copy_kind::device_to_host) {
    GCNOPS_CUDA_CHECK(cudaStreamSynchronize(stream), "after a copy of ", bytes,
                      " bytes to the host");
  }
}

void fill_zero(void* dst, std::size_t bytes, stream_t stream) {
  if (bytes == 0) return;
  GCNOPS_CUDA_CHECK(cudaMemsetAsync(dst, 0, bytes, stream), bytes, " bytes");
}

}  // namespace detail

bool device_available() noexcept {
  return device_unavailable_reason().empty();
}

std::string device_unavailable_reason() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    return gcnops::detail::concat(
        "cudaGetDeviceCount failed: ", cudaGetErrorName(status), " (",
        cudaGetErrorString(status), ")");
  }
  if (count == 0) return "no CUDA device found";
  return "";
}

std::string device_summary() {
  if (const std::string why = device_unavailable_reason(); !why.empty()) {
    throw device_error("device_summary: " + why);
  }
  int device = 0;
  GCNOPS_CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop{};
  GCNOPS_CUDA_CHECK(cudaGetDeviceProperties(&prop, device), "device ", device);
  int driver = 0;
  int runtime = 0;
  GCNOPS_CUDA_CHECK(cudaDriverGetVersion(&driver));
  GCNOPS_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
  return gcnops::detail::concat(
      prop.name, ", sm_", prop.major, prop.minor, ", ",
      prop.multiProcessorCount, " SMs, ",
      static_cast<double>(prop.totalGlobalMem) / (1u << 30), " GiB, driver ",
      driver / 1000, ".", (driver % 1000) / 10, ", runtime ", runtime / 1000,
      ".", (runtime % 1000) / 10);
}

void synchronize(stream_t stream) {
  GCNOPS_CUDA_CHECK(cudaStreamSynchronize(stream));
}

std::size_t device_memory_in_use() noexcept {
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return total_bytes - free_bytes;
}

}  // namespace gcnops::cuda
