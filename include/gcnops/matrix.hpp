// gcnops/matrix.hpp: dense row-major host matrices and non-owning views.
//
// Contract
//   - matrix<T> owns rows() x cols() elements of T in host memory, row-major
//     and contiguous: element (i, j) is data()[i * cols() + j].
//   - matrix_view<T> is a pointer and a shape, nothing more; it never owns.
//     Views into device memory use the same type; every function documents
//     which memory space its views must point to.
//   - Sizes are std::int64_t. Constructing a matrix with a negative size
//     throws invalid_argument; one whose element count rows * cols does not
//     fit std::int64_t, or whose byte size overflows std::size_t, throws
//     limit_error; one larger than host_memory_limit() throws out_of_memory;
//     none of them allocates first. An allocation that fails anyway throws
//     out_of_memory with the requested size.
//   - A moved-from matrix is 0 x 0.
#pragma once

#include <cstdint>
#include <limits>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "gcnops/error.hpp"

namespace gcnops {

template <class T>
struct matrix_view {
  T* data = nullptr;
  std::int64_t rows = 0;
  std::int64_t cols = 0;

  std::int64_t size() const noexcept { return rows * cols; }
  T* row(std::int64_t i) const noexcept { return data + i * cols; }
  T& operator()(std::int64_t i, std::int64_t j) const noexcept {
    return data[i * cols + j];
  }
  // A view of const T converts implicitly from a view of T.
  operator matrix_view<const T>() const noexcept requires(!std::is_const_v<T>) {
    return {data, rows, cols};
  }
};

template <class T>
class matrix {
 public:
  matrix() = default;

  // rows x cols elements, all equal to `fill`.
  matrix(std::int64_t rows, std::int64_t cols, T fill = T{})
      : rows_(rows), cols_(cols) {
    // 1. Sizes: non-negative, an element count that fits std::int64_t and
    // a byte count within the host memory limit.
    detail::check_argument(rows >= 0, "matrix", "rows", rows, ">= 0");
    detail::check_argument(cols >= 0, "matrix", "cols", cols, ">= 0");
    if (cols > 0 && rows > std::numeric_limits<std::int64_t>::max() / cols) {
      throw limit_error(detail::concat("matrix: ", rows, " x ", cols,
                                       " elements do not fit std::int64_t"));
    }
    const std::size_t bytes = detail::checked_bytes(
        static_cast<std::size_t>(rows * cols), sizeof(T), "matrix");
    detail::check_host_allocation(bytes,
                                  detail::concat("matrix ", rows, " x ", cols));

    // 2. The elements.
    try {
      data_.assign(static_cast<std::size_t>(rows * cols), fill);
    } catch (const std::bad_alloc&) {
      detail::throw_allocation_failure(
          bytes, detail::concat("matrix ", rows, " x ", cols));
    }
  }

  matrix(const matrix&) = default;
  matrix& operator=(const matrix&) = default;
  matrix(matrix&& other) noexcept
      : rows_(std::exchange(other.rows_, 0)),
        cols_(std::exchange(other.cols_, 0)),
        data_(std::move(other.data_)) {}
  matrix& operator=(matrix&& other) noexcept {
    if (this == &other) return *this;
    rows_ = std::exchange(other.rows_, 0);
    cols_ = std::exchange(other.cols_, 0);
    data_ = std::move(other.data_);
    other.data_.clear();
    return *this;
  }

  std::int64_t rows() const noexcept { return rows_; }
  std::int64_t cols() const noexcept { return cols_; }
  std::int64_t size() const noexcept { return rows_ * cols_; }
  bool empty() const noexcept { return data_.empty(); }

  T* data() noexcept { return data_.data(); }
  const T* data() const noexcept { return data_.data(); }
  T* row(std::int64_t i) noexcept { return data_.data() + i * cols_; }
  const T* row(std::int64_t i) const noexcept {
    return data_.data() + i * cols_;
  }
  T& operator()(std::int64_t i, std::int64_t j) noexcept {
    return data_[static_cast<std::size_t>(i * cols_ + j)];
  }
  const T& operator()(std::int64_t i, std::int64_t j) const noexcept {
    return data_[static_cast<std::size_t>(i * cols_ + j)];
  }

  std::span<T> values() noexcept { return data_; }
  std::span<const T> values() const noexcept { return data_; }

  matrix_view<T> view() noexcept { return {data_.data(), rows_, cols_}; }
  matrix_view<const T> view() const noexcept {
    return {data_.data(), rows_, cols_};
  }
  operator matrix_view<T>() noexcept { return view(); }
  operator matrix_view<const T>() const noexcept { return view(); }

 private:
  std::int64_t rows_ = 0;
  std::int64_t cols_ = 0;
  std::vector<T> data_;
};

// Element-wise conversion, for example of float features to double.
template <class To, class From>
matrix<To> matrix_cast(matrix_view<const From> in) {
  matrix<To> out(in.rows, in.cols);
  for (std::int64_t k = 0; k < in.size(); ++k) {
    out.data()[k] = static_cast<To>(in.data[k]);
  }
  return out;
}

}  // namespace gcnops
