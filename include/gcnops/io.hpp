// gcnops/io.hpp: reading graphs and sparse matrices from text files.
//
// Contract
//   - Matrix Market (https://math.nist.gov/MatrixMarket/formats.html):
//     "matrix coordinate" with field pattern, real or integer and symmetry
//     general or symmetric. Banner keywords are case-insensitive; '%' lines
//     after the banner and blank lines are skipped; indices are 1-based.
//     Symmetric files store one triangle: every off-diagonal entry is
//     mirrored, diagonal entries are not. Everything else (array format,
//     complex or hermitian fields, skew-symmetric) is refused.
//   - Edge lists: one edge per line, "src dst" or "src dst weight",
//     whitespace separated, 0-based ids unless one_based is set. '#' starts
//     a comment running to the end of the line; blank lines are skipped.
//     Either every edge line has a weight or none has.
//   - Every value is checked as it is read. A malformed file throws
//     parse_error naming the file and the 1-based line, what was found and
//     what was expected; the stream readers use `source` as the file name.
//     A file that cannot be opened (missing, a directory, unreadable)
//     throws io_error naming the path. Declared sizes that cannot fit the
//     index types throw limit_error, and ones that cannot fit in memory
//     throw out_of_memory, both before any allocation of that size.
//   - Values must be finite. Graph readers also refuse negative weights.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string_view>
#include <vector>

#include "gcnops/graph.hpp"
#include "gcnops/matrix.hpp"

namespace gcnops {

enum class mtx_field { pattern, real, integer };
enum class mtx_symmetry { general, symmetric };

// The entries of a Matrix Market coordinate file, 0-based, with symmetric
// entries already mirrored, in file order (a mirror right after its entry).
struct sparse_entries {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  mtx_field field = mtx_field::pattern;
  mtx_symmetry symmetry = mtx_symmetry::general;
  std::int64_t declared_entries = 0;  // the count on the size line
  std::vector<std::int64_t> row;
  std::vector<std::int64_t> col;
  std::vector<double> value;  // empty for pattern files
};

struct mtx_options {
  // Refuse negative values (graph weights must be >= 0).
  bool require_nonnegative = false;
  // Refuse (limit_error) a declared row or column count above this.
  std::int64_t max_dimension = INT64_MAX;
};

sparse_entries read_matrix_market(const std::filesystem::path& path,
                                  const mtx_options& options = {});
sparse_entries read_matrix_market(std::istream& in, std::string_view source,
                                  const mtx_options& options = {});

struct edge_list_options {
  bool one_based = false;
  // Number of nodes; -1 infers one more than the largest id.
  std::int64_t num_nodes = -1;
};

edge_list read_edge_list(const std::filesystem::path& path,
                         const edge_list_options& options = {});
edge_list read_edge_list(std::istream& in, std::string_view source,
                         const edge_list_options& options = {});

// A graph from a file: ".mtx" files are read as Matrix Market (square, with
// non-negative values), anything else as an edge list.
graph read_graph(const std::filesystem::path& path,
                 const graph_options& options = {},
                 const edge_list_options& edge_options = {});

// A dense rows x cols matrix from a Matrix Market coordinate file; entries
// not listed are zero, a repeated entry is an error, and every value must
// fit a float.
matrix<float> read_dense_matrix(const std::filesystem::path& path,
                                const mtx_options& options = {});
matrix<float> read_dense_matrix(std::istream& in, std::string_view source,
                                const mtx_options& options = {});

}  // namespace gcnops
