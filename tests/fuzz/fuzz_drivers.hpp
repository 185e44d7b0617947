// Fuzz drivers: one input in, every stage of gcnops that can use it run.
//
// Contract
//   - drive(target, input) feeds `input` to one reader ("matrix_market",
//     "edge_list" or "dataset"), then pushes whatever it accepts further:
//     graph building under options chosen from a hash of the input,
//     statistics, the normalised adjacency and, for small graphs, every CPU
//     operator forward and backward in double and float.
//   - A gcnops::error thrown by any stage is the expected answer to bad
//     input: the driver returns it as an outcome and stops.
//   - Everything else escapes: invariant_violation when accepted input led
//     to a result that breaks a documented promise (an index outside the
//     declared shape, a non-finite value where a finite one is promised, a
//     graph that fails its own CSR checks, a dataset that fails validate),
//     and any other exception (std::bad_alloc, std::length_error, ...). The
//     fuzz targets let these escape so that libFuzzer records a crash; the
//     replay tests report them as failures.
//   - The dataset driver splits its input at NUL bytes into adjacency.mtx,
//     labels.txt, train.txt, val.txt, test.txt and features.mtx, in that
//     order (parts past the end are absent files), writes them to a private
//     temporary folder and loads it. NUL never occurs in a valid file.
//   - Drivers cap memory at kMemoryLimit while they run (restoring the
//     previous limit on return) and read Matrix Market files with
//     max_dimension = kMaxDimension, so that a fuzzer's RSS limit is never
//     the first thing to object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gcnops::fuzz {

inline constexpr std::size_t kMemoryLimit = std::size_t{4} << 20;
inline constexpr std::int64_t kMaxDimension = std::int64_t{1} << 16;
// Operators run only on graphs with at most this many nodes.
inline constexpr std::int64_t kMaxOperatorNodes = 256;

// Accepted input led to a result that breaks a documented invariant.
class invariant_violation : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// What one input led to.
struct outcome {
  bool accepted = false;   // every stage ran without a gcnops::error
  std::string error_type;  // "parse_error", "invalid_argument", ...
  std::string message;     // what() of the error, temp paths replaced
};

outcome drive_matrix_market(std::string_view input);
outcome drive_edge_list(std::string_view input);
outcome drive_dataset(std::string_view input);

// A new, empty folder under $TMPDIR (or /tmp) named <prefix>_XXXXXX,
// removed with its content when the object is destroyed.
class scratch_folder {
 public:
  explicit scratch_folder(const std::string& prefix);
  ~scratch_folder();
  scratch_folder(const scratch_folder&) = delete;
  scratch_folder& operator=(const scratch_folder&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Sets the host memory limit for the lifetime of the object.
class scoped_memory_limit {
 public:
  explicit scoped_memory_limit(std::size_t bytes);
  ~scoped_memory_limit();
  scoped_memory_limit(const scoped_memory_limit&) = delete;
  scoped_memory_limit& operator=(const scoped_memory_limit&) = delete;

 private:
  std::size_t saved_;
};

// The name of e's most derived gcnops exception type: "parse_error",
// "invalid_argument", ..., or "error".
const char* error_type_name(const std::exception& e);

// Writes the dataset files encoded in `input` (NUL-separated, see above)
// into `folder`, removing those the input does not reach.
void write_dataset_folder(const std::filesystem::path& folder,
                          std::string_view input);

// The names accepted by drive(), in a fixed order.
const std::vector<std::string>& target_names();

// Dispatches to the driver named `target`; throws std::invalid_argument
// for an unknown name.
outcome drive(std::string_view target, std::string_view input);

}  // namespace gcnops::fuzz
