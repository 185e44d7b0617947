// Out-of-line parts of gcnops/error.hpp.
#include "gcnops/error.hpp"

#include <unistd.h>

#include <atomic>
#include <limits>

namespace gcnops {

parse_error::parse_error(std::string file, std::uint64_t line,
                         const std::string& what)
    : error(line > 0 ? detail::concat(file, ":", line, ": ", what)
                     : detail::concat(file, ": ", what)),
      file_(std::move(file)),
      line_(line) {}

out_of_memory::out_of_memory(std::size_t requested_bytes,
                             const std::string& what)
    : error(what), requested_(requested_bytes) {}

namespace {

// TODO: a container's cgroup memory limit is not consulted; where it is
// lower than physical memory, callers set it with set_host_memory_limit.
std::size_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) {
    return std::numeric_limits<std::size_t>::max();
  }
  return static_cast<std::size_t>(pages) * static_cast<std::size_t>(page_size);
}

// 0: no limit set, the physical memory applies.
std::atomic<std::size_t> user_limit{0};

}  // namespace

std::size_t host_memory_limit() noexcept {
  const std::size_t set = user_limit.load(std::memory_order_relaxed);
  if (set != 0) return set;
  static const std::size_t physical = physical_memory_bytes();
  return physical;
}

std::size_t set_host_memory_limit(std::size_t bytes) noexcept {
  return user_limit.exchange(bytes, std::memory_order_relaxed);
}

namespace detail {

void check_host_allocation(std::size_t bytes, std::string_view what) {
  const std::size_t limit = host_memory_limit();
  if (bytes <= limit) return;
  const bool user_set = user_limit.load(std::memory_order_relaxed) != 0;
  throw out_of_memory(
      bytes, concat(what, ": refusing to allocate ", bytes,
                    " bytes, more than the ", limit,
                    user_set ? " bytes of the host memory limit "
                               "(set_host_memory_limit)"
                             : " bytes of physical memory on this machine"));
}

void throw_allocation_failure(std::size_t bytes, std::string_view what) {
  throw out_of_memory(bytes, concat(what, ": allocating ", bytes,
                                    " bytes of host memory failed"));
}

std::size_t checked_bytes(std::size_t count, std::size_t element_size,
                          std::string_view what) {
  if (element_size != 0 &&
      count > std::numeric_limits<std::size_t>::max() / element_size) {
    throw limit_error(concat(what, ": ", count, " elements of ", element_size,
                             " bytes overflow the address space"));
  }
  return count * element_size;
}

}  // namespace detail
}  // namespace gcnops
