// Checked host allocations (private to host/).
//
// Every vector whose length comes from the input is sized through these
// helpers: the byte count is checked for overflow (limit_error) and against
// host_memory_limit() (out_of_memory) before anything is allocated, and a
// std::bad_alloc from the allocation itself becomes out_of_memory carrying
// the requested size. `what` names the array in messages. On a throw the
// vector is unchanged.
#pragma once

#include <algorithm>
#include <cstddef>
#include <new>
#include <string_view>
#include <vector>

#include "gcnops/error.hpp"

namespace gcnops::detail {

// Bytes of `count` elements of T, checked against the limit.
template <class T>
std::size_t checked_array_bytes(std::size_t count, std::string_view what) {
  const std::size_t bytes = checked_bytes(count, sizeof(T), what);
  check_host_allocation(bytes, what);
  return bytes;
}

// v = `count` copies of `fill`.
template <class T>
void assign_checked(std::vector<T>& v, std::size_t count, const T& fill,
                    std::string_view what) {
  const std::size_t bytes = checked_array_bytes<T>(count, what);
  try {
    std::vector<T>(count, fill).swap(v);
  } catch (const std::bad_alloc&) {
    throw_allocation_failure(bytes, what);
  }
}

// Room for `count` elements.
template <class T>
void reserve_checked(std::vector<T>& v, std::size_t count,
                     std::string_view what) {
  if (count <= v.capacity()) return;
  const std::size_t bytes = checked_array_bytes<T>(count, what);
  try {
    v.reserve(count);
  } catch (const std::bad_alloc&) {
    throw_allocation_failure(bytes, what);
  }
}

// v = a copy of `from`.
template <class T>
void copy_checked(std::vector<T>& v, const std::vector<T>& from,
                  std::string_view what) {
  const std::size_t bytes = checked_array_bytes<T>(from.size(), what);
  try {
    std::vector<T>(from).swap(v);
  } catch (const std::bad_alloc&) {
    throw_allocation_failure(bytes, what);
  }
}

// push_back whose growth (doubling) is checked like any other allocation.
template <class T>
void append_checked(std::vector<T>& v, const T& value, std::string_view what) {
  if (v.size() == v.capacity()) {
    reserve_checked(v, std::max<std::size_t>(64, 2 * v.capacity()), what);
  }
  v.push_back(value);
}

}  // namespace gcnops::detail
