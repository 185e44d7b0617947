// libFuzzer entry point of one fuzz target. CMake compiles this file once
// per target with GCNOPS_FUZZ_TARGET set to the driver's name
// ("matrix_market", "edge_list" or "dataset"; see fuzz_drivers.hpp).
//
// gcnops::error is the expected answer to bad input and the driver absorbs
// it; anything else it lets escape, and an escaping exception aborts, which
// libFuzzer records as a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_drivers.hpp"

#ifndef GCNOPS_FUZZ_TARGET
#error "compile with -DGCNOPS_FUZZ_TARGET=\"<driver name>\""
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  gcnops::fuzz::drive(GCNOPS_FUZZ_TARGET, input);
  return 0;
}
