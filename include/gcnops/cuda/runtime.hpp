// gcnops/cuda/runtime.hpp: devices, streams and owned device memory.
//
// Contract
//   - This header compiles without the CUDA toolkit. In a gcnops built
//     without CUDA (GCNOPS_HAS_CUDA == 0), device_available() is false and
//     every function that would touch a device throws device_error saying
//     so; nothing aborts.
//   - stream_t is CUDA's cudaStream_t. nullptr is the legacy default
//     stream. gcnops never creates or destroys a caller's stream; every
//     call that takes one enqueues its work there and returns without
//     waiting unless it says it synchronises.
//   - device_buffer<T> owns `size()` elements of T in device memory
//     (cudaMalloc; contents uninitialised). It is move-only, frees in its
//     destructor (which never throws) and throws out_of_memory naming the
//     requested size when allocation fails.
//   - Every CUDA runtime failure throws device_error naming the call, the
//     source file and line, the CUDA error name and the sizes involved.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gcnops/config.hpp"
#include "gcnops/error.hpp"

struct CUstream_st;

namespace gcnops::cuda {

using stream_t = CUstream_st*;

// True when gcnops was compiled with its CUDA backend.
constexpr bool built_with_cuda() noexcept {
  return GCNOPS_HAS_CUDA != 0;
}

// True when the CUDA backend is compiled in and at least one device is
// usable (driver present, device count > 0). Never throws.
bool device_available() noexcept;

// Why no device is usable ("built without CUDA", the CUDA error of
// cudaGetDeviceCount, ...), or "" when one is.
std::string device_unavailable_reason();

// One line about the current device: name, compute capability, memory,
// driver and runtime versions. Throws device_error without a device.
std::string device_summary();

// Blocks until all work queued on `stream` is done; throws device_error
// with the first asynchronous error found.
void synchronize(stream_t stream);

// Bytes of device memory in use on the current device (total minus free,
// every process included); 0 without a device.
std::size_t device_memory_in_use() noexcept;

namespace detail {

enum class copy_kind { host_to_device, device_to_host, device_to_device };

void* allocate(std::size_t bytes, std::string_view what);
void release(void* ptr) noexcept;
void copy(void* dst, const void* src, std::size_t bytes, copy_kind kind,
          stream_t stream);
void fill_zero(void* dst, std::size_t bytes, stream_t stream);

}  // namespace detail

template <class T>
class device_buffer {
 public:
  device_buffer() = default;
  // `what` names the buffer in out-of-memory messages.
  explicit device_buffer(std::size_t count,
                         std::string_view what = "device_buffer")
      : size_(count) {
    if (count > 0) {
      data_ = static_cast<T*>(detail::allocate(count * sizeof(T), what));
    }
  }
  ~device_buffer() { detail::release(data_); }

  device_buffer(const device_buffer&) = delete;
  device_buffer& operator=(const device_buffer&) = delete;
  device_buffer(device_buffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)) {}
  device_buffer& operator=(device_buffer&& other) noexcept {
    if (this != &other) {
      detail::release(data_);
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }

  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::size_t bytes() const noexcept { return size_ * sizeof(T); }
  bool empty() const noexcept { return size_ == 0; }

  // Copies host.size() <= size() elements to the front of the buffer.
  void upload(std::span<const T> host, stream_t stream = nullptr) {
    check_size(host.size());
    detail::copy(data_, host.data(), host.size_bytes(),
                 detail::copy_kind::host_to_device, stream);
  }
  // Copies the first host.size() elements back and waits for them.
  void download(std::span<T> host, stream_t stream = nullptr) const {
    check_size(host.size());
    detail::copy(host.data(), data_, host.size_bytes(),
                 detail::copy_kind::device_to_host, stream);
  }
  std::vector<T> to_host(stream_t stream = nullptr) const {
    std::vector<T> out(size_);
    download(out, stream);
    return out;
  }
  void zero(stream_t stream = nullptr) {
    detail::fill_zero(data_, bytes(), stream);
  }

 private:
  void check_size(std::size_t n) const;

  T* data_ = nullptr;
  std::size_t size_ = 0;
};

template <class T>
void device_buffer<T>::check_size(std::size_t n) const {
  if (n > size_) {
    throw invalid_argument(gcnops::detail::concat(
        "device_buffer: copy of ", n, " elements, expected at most ", size_,
        " (the buffer's size)"));
  }
}

}  // namespace gcnops::cuda
