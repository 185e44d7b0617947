// gcnops/error.hpp: the exceptions every public gcnops call may throw, and
// the host-memory budget that decides when out_of_memory is thrown.
//
// Contract
//   - Every failure reaches the caller as an exception derived from
//     gcnops::error (itself a std::runtime_error); nothing in gcnops aborts,
//     prints and continues, or returns a status the caller might ignore.
//   - The message always says what was wrong, with the offending value and
//     what was expected, and where: the function for bad arguments, the file
//     and line for bad input files, the CUDA call and source line for device
//     failures.
//   - Destructors never throw. An object whose operation threw is still
//     usable or safely destructible; inputs passed by const reference are
//     never modified.
//   - Every array whose size comes from the input (a graph's rows and
//     edges, a matrix, a count declared in a file) is checked against
//     host_memory_limit() before it is allocated: a larger one throws
//     out_of_memory and nothing is allocated. An allocation that passes the
//     check and still fails also throws out_of_memory, with the size that
//     was requested, never a bare std::bad_alloc. Small allocations of
//     bounded size (messages, a line of text) and copies the caller makes
//     of an existing object (copy construction or assignment of a graph,
//     a matrix, a dataset) behave like any standard container: they throw
//     std::bad_alloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gcnops {

// Base of every gcnops exception.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A function argument outside its accepted range, or shapes that disagree.
class invalid_argument : public error {
 public:
  using error::error;
};

// A malformed input file or stream. file() and line() locate the problem;
// line() is 0 when it concerns the file as a whole (for example "fewer
// entries than declared" is reported at the last line read).
class parse_error : public error {
 public:
  parse_error(std::string file, std::uint64_t line, const std::string& what);
  const std::string& file() const noexcept { return file_; }
  std::uint64_t line() const noexcept { return line_; }

 private:
  std::string file_;
  std::uint64_t line_;
};

// A file or folder that cannot be opened or read.
class io_error : public error {
 public:
  using error::error;
};

// A size that does not fit an index type or a documented limit.
class limit_error : public error {
 public:
  using error::error;
};

// An allocation that failed or was refused because it cannot succeed.
// requested_bytes() is the size that was asked for.
class out_of_memory : public error {
 public:
  out_of_memory(std::size_t requested_bytes, const std::string& what);
  std::size_t requested_bytes() const noexcept { return requested_; }

 private:
  std::size_t requested_;
};

// A CUDA runtime, cuBLAS or cuSPARSE call that failed.
class device_error : public error {
 public:
  using error::error;
};

// A NaN or Inf found by a finite check (see model options).
class non_finite_error : public error {
 public:
  using error::error;
};

// The largest host allocation, in bytes, gcnops attempts for data sized by
// its input. By default the machine's physical memory; set it lower where
// less is available (a container's memory cap, a fuzzer's RSS limit).
// set_host_memory_limit(0) restores the default; it returns the previous
// setting (0 for the default), so that a scope can put it back. The limit
// is one value for the whole process, safe to read and set from any thread.
std::size_t host_memory_limit() noexcept;
std::size_t set_host_memory_limit(std::size_t bytes) noexcept;

namespace detail {

// Streams every argument into one string: concat("n = ", 3) == "n = 3".
template <class... Args>
std::string concat(const Args&... args) {
  if constexpr (sizeof...(Args) == 0) {
    return {};
  } else {
    std::ostringstream out;
    out.precision(10);
    (out << ... << args);
    return out.str();
  }
}

// Throws invalid_argument "<where>: <name> = <value>, expected <expected>"
// unless ok.
template <class Value>
void check_argument(bool ok, std::string_view where, std::string_view name,
                    const Value& value, std::string_view expected) {
  if (!ok) {
    throw invalid_argument(
        concat(where, ": ", name, " = ", value, ", expected ", expected));
  }
}

// Throws out_of_memory before an allocation of `bytes` bytes for `what`
// when it exceeds host_memory_limit().
void check_host_allocation(std::size_t bytes, std::string_view what);

// Throws out_of_memory for an allocation of `bytes` bytes for `what` that
// failed (std::bad_alloc) although it was within the limit.
[[noreturn]] void throw_allocation_failure(std::size_t bytes,
                                           std::string_view what);

// Multiplies sizes, throwing limit_error naming `what` on overflow.
std::size_t checked_bytes(std::size_t count, std::size_t element_size,
                          std::string_view what);

}  // namespace detail
}  // namespace gcnops
