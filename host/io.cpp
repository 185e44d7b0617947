// Matrix Market and edge-list readers (gcnops/io.hpp).
#include "gcnops/io.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <istream>
#include <string>
#include <vector>

#include "allocation.hpp"
#include "gcnops/error.hpp"
#include "text_input.hpp"

namespace gcnops {

namespace {

using detail::line_reader;
using detail::split_tokens;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct mtx_banner {
  mtx_field field = mtx_field::pattern;
  mtx_symmetry symmetry = mtx_symmetry::general;
};

// "%%MatrixMarket matrix coordinate <field> <symmetry>".
mtx_banner parse_banner(line_reader& in) {
  std::string_view line;
  if (!in.next(line)) {
    throw parse_error(in.source(), 0,
                      "empty file, expected a '%%MatrixMarket' banner");
  }
  const auto tokens = split_tokens(line);
  if (tokens.empty() || tokens[0] != "%%MatrixMarket") {
    throw parse_error(in.source(), in.line(),
                      detail::concat("found '", detail::excerpt(line),
                                     "', expected a banner starting with "
                                     "'%%MatrixMarket'"));
  }
  if (tokens.size() != 5) {
    throw parse_error(in.source(), in.line(),
                      detail::concat("banner has ", tokens.size() - 1,
                                     " keywords, expected 4: matrix "
                                     "coordinate <field> <symmetry>"));
  }
  const std::string object = lower(tokens[1]);
  const std::string format = lower(tokens[2]);
  const std::string field = lower(tokens[3]);
  const std::string symmetry = lower(tokens[4]);
  auto refuse = [&](std::string_view what, std::string_view found,
                    std::string_view expected) {
    throw parse_error(in.source(), in.line(),
                      detail::concat("unsupported ", what, " '", found,
                                     "', expected ", expected));
  };
  if (object != "matrix") refuse("object", tokens[1], "'matrix'");
  if (format != "coordinate") refuse("format", tokens[2], "'coordinate'");
  mtx_banner b;
  if (field == "pattern") {
    b.field = mtx_field::pattern;
  } else if (field == "real" || field == "double") {
    b.field = mtx_field::real;
  } else if (field == "integer") {
    b.field = mtx_field::integer;
  } else {
    refuse("field", tokens[3], "'pattern', 'real' or 'integer'");
  }
  if (symmetry == "general") {
    b.symmetry = mtx_symmetry::general;
  } else if (symmetry == "symmetric") {
    b.symmetry = mtx_symmetry::symmetric;
  } else {
    refuse("symmetry", tokens[4], "'general' or 'symmetric'");
  }
  return b;
}

// Next line that is neither blank nor a '%' comment; false at end of input.
bool next_data_line(line_reader& in, std::string_view& line) {
  while (in.next(line)) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '%') continue;
    return true;
  }
  return false;
}

}  // namespace

sparse_entries read_matrix_market(std::istream& stream, std::string_view source,
                                  const mtx_options& options) {
  line_reader in(stream, source);
  const mtx_banner banner = parse_banner(in);

  // 1. Size line: rows cols entries.
  std::string_view line;
  if (!next_data_line(in, line)) {
    throw parse_error(in.source(), in.line(),
                      "file ends before the size line 'rows cols entries'");
  }
  const auto size_tokens = split_tokens(line);
  if (size_tokens.size() != 3) {
    throw parse_error(in.source(), in.line(),
                      detail::concat("size line has ", size_tokens.size(),
                                     " values, expected 3: rows cols "
                                     "entries"));
  }
  sparse_entries out;
  out.field = banner.field;
  out.symmetry = banner.symmetry;
  out.rows = detail::parse_integer(in, size_tokens[0], "row count", 0);
  out.cols = detail::parse_integer(in, size_tokens[1], "column count", 0);
  out.declared_entries =
      detail::parse_integer(in, size_tokens[2], "entry count", 0);
  const auto size_line = in.line();
  for (std::int64_t extent : {out.rows, out.cols}) {
    if (extent > options.max_dimension) {
      throw limit_error(
          detail::concat(in.source(), ":", size_line, ": matrix is ", out.rows,
                         " x ", out.cols, ", larger than the limit of ",
                         options.max_dimension, " rows and columns"));
    }
  }
  const bool symmetric = banner.symmetry == mtx_symmetry::symmetric;
  if (symmetric && out.rows != out.cols) {
    throw parse_error(in.source(), size_line,
                      detail::concat("symmetric matrix is ", out.rows, " x ",
                                     out.cols, ", expected a square matrix"));
  }
  // At most rows * cols entries (one triangle when symmetric).
  const long double capacity =
      symmetric ? static_cast<long double>(out.rows) * (out.rows + 1) / 2
                : static_cast<long double>(out.rows) * out.cols;
  if (static_cast<long double>(out.declared_entries) > capacity) {
    throw parse_error(
        in.source(), size_line,
        detail::concat(out.declared_entries, " entries declared, more than a ",
                       out.rows, " x ", out.cols, symmetric ? " symmetric" : "",
                       " matrix can hold"));
  }

  // 2. Entries. Memory is reserved for at most a few million up front so a
  // false count cannot exhaust memory before the file proves it.
  // Growth past that is checked against the host memory limit.
  const std::int64_t reserve =
      std::min<std::int64_t>(out.declared_entries, std::int64_t{1} << 22);
  const auto stored =
      static_cast<std::size_t>(symmetric ? 2 * reserve : reserve);
  constexpr const char* kArrays = "read_matrix_market: entry arrays";
  detail::reserve_checked(out.row, stored, kArrays);
  detail::reserve_checked(out.col, stored, kArrays);
  const bool has_value = banner.field != mtx_field::pattern;
  if (has_value) detail::reserve_checked(out.value, stored, kArrays);
  const std::size_t expected_tokens = has_value ? 3 : 2;
  auto store = [&](std::int64_t i, std::int64_t j, double v) {
    detail::append_checked(out.row, i, kArrays);
    detail::append_checked(out.col, j, kArrays);
    if (has_value) detail::append_checked(out.value, v, kArrays);
  };

  std::int64_t read = 0;
  while (next_data_line(in, line)) {
    if (read == out.declared_entries) {
      throw parse_error(
          in.source(), in.line(),
          detail::concat("more entries than the ", out.declared_entries,
                         " declared on line ", size_line));
    }
    const auto tokens = split_tokens(line);
    if (tokens.size() != expected_tokens) {
      throw parse_error(
          in.source(), in.line(),
          detail::concat("entry has ", tokens.size(), " values, expected ",
                         expected_tokens,
                         has_value ? " (row col value)" : " (row col)"));
    }
    const std::int64_t i =
        detail::parse_integer(in, tokens[0], "row index", 1, out.rows);
    const std::int64_t j =
        detail::parse_integer(in, tokens[1], "column index", 1, out.cols);
    double v = 1.0;
    if (banner.field == mtx_field::real) {
      v = detail::parse_real(in, tokens[2], "value");
    } else if (banner.field == mtx_field::integer) {
      v = static_cast<double>(
          detail::parse_integer(in, tokens[2], "value", INT64_MIN));
    }
    if (options.require_nonnegative && v < 0) {
      throw parse_error(in.source(), in.line(),
                        detail::concat("value ", tokens[2],
                                       " is negative, expected a weight "
                                       ">= 0"));
    }
    if (symmetric && i < j) {
      throw parse_error(in.source(), in.line(),
                        detail::concat("entry (", i, ", ", j,
                                       ") lies above the diagonal, expected "
                                       "only the lower triangle (row >= col) "
                                       "in a symmetric file"));
    }
    store(i - 1, j - 1, v);
    if (symmetric && i != j) store(j - 1, i - 1, v);
    ++read;
  }
  if (read < out.declared_entries) {
    throw parse_error(in.source(), in.line(),
                      detail::concat("file ends after ", read, " of the ",
                                     out.declared_entries,
                                     " entries declared on line ", size_line));
  }
  return out;
}

sparse_entries read_matrix_market(const std::filesystem::path& path,
                                  const mtx_options& options) {
  std::ifstream file = detail::open_input(path);
  return read_matrix_market(file, path.string(), options);
}

edge_list read_edge_list(std::istream& stream, std::string_view source,
                         const edge_list_options& options) {
  detail::check_argument(options.num_nodes >= -1, "read_edge_list", "num_nodes",
                         options.num_nodes, ">= 0, or -1");
  if (options.num_nodes > max_nodes) {
    throw limit_error(detail::concat(
        "read_edge_list: num_nodes = ", options.num_nodes,
        " exceeds the limit of ", max_nodes, " (32-bit node ids)"));
  }
  constexpr const char* kArrays = "read_edge_list: edge arrays";
  line_reader in(stream, source);
  edge_list out;
  out.num_nodes = options.num_nodes;
  const std::int64_t base = options.one_based ? 1 : 0;
  const std::int64_t max_id = options.num_nodes >= 0
                                  ? options.num_nodes - 1 + base
                                  : max_nodes - 1 + base;
  std::uint64_t first_edge_line = 0;
  bool weighted = false;
  std::string_view line;
  while (in.next(line)) {
    // Strip a '#' comment, then skip what is left if it is blank.
    line = line.substr(0, line.find('#'));
    const auto tokens = split_tokens(line);
    if (tokens.empty()) continue;
    if (tokens.size() != 2 && tokens.size() != 3) {
      throw parse_error(in.source(), in.line(),
                        detail::concat("line has ", tokens.size(),
                                       " values, expected 'src dst' or "
                                       "'src dst weight'"));
    }
    if (first_edge_line == 0) {
      first_edge_line = in.line();
      weighted = tokens.size() == 3;
    } else if ((tokens.size() == 3) != weighted) {
      throw parse_error(
          in.source(), in.line(),
          detail::concat(weighted ? "edge has no weight" : "edge has a weight",
                         ", but the first edge (line ", first_edge_line,
                         weighted ? ") has one; expected a weight on every "
                                    "line or on none"
                                  : ") has none; expected a weight on every "
                                    "line or on none"));
    }
    detail::append_checked(
        out.src,
        detail::parse_integer(in, tokens[0], "source id", base, max_id) - base,
        kArrays);
    detail::append_checked(
        out.dst,
        detail::parse_integer(in, tokens[1], "target id", base, max_id) - base,
        kArrays);
    if (weighted) {
      const double w = detail::parse_real(in, tokens[2], "weight");
      if (w < 0) {
        throw parse_error(in.source(), in.line(),
                          detail::concat("weight ", tokens[2],
                                         " is negative, expected >= 0"));
      }
      detail::append_checked(out.weight, w, kArrays);
    }
  }
  return out;
}

edge_list read_edge_list(const std::filesystem::path& path,
                         const edge_list_options& options) {
  std::ifstream file = detail::open_input(path);
  return read_edge_list(file, path.string(), options);
}

graph read_graph(const std::filesystem::path& path,
                 const graph_options& options,
                 const edge_list_options& edge_options) {
  if (path.extension() != ".mtx") {
    return graph::from_edges(read_edge_list(path, edge_options), options);
  }
  sparse_entries m = read_matrix_market(
      path, {.require_nonnegative = true, .max_dimension = max_nodes});
  if (m.rows != m.cols) {
    throw parse_error(path.string(), 0,
                      detail::concat("adjacency matrix is ", m.rows, " x ",
                                     m.cols, ", expected a square matrix"));
  }
  edge_list e;
  e.num_nodes = m.rows;
  e.src = std::move(m.row);
  e.dst = std::move(m.col);
  e.weight = std::move(m.value);
  return graph::from_edges(e, options);
}

matrix<float> read_dense_matrix(std::istream& in, std::string_view source,
                                const mtx_options& options) {
  const sparse_entries m = read_matrix_market(in, source, options);
  detail::check_host_allocation(
      detail::checked_bytes(
          detail::checked_bytes(static_cast<std::size_t>(m.rows),
                                static_cast<std::size_t>(m.cols),
                                "dense matrix"),
          sizeof(float), "dense matrix"),
      detail::concat(source, ": dense ", m.rows, " x ", m.cols, " matrix"));
  matrix<float> out(m.rows, m.cols, 0.0f);

  // Entries are unique: sort their linear positions and compare neighbours.
  std::vector<std::int64_t> position;
  detail::assign_checked(position, m.row.size(), std::int64_t{0},
                         "read_dense_matrix: entry positions");
  for (std::size_t k = 0; k < m.row.size(); ++k) {
    position[k] = m.row[k] * m.cols + m.col[k];
  }
  std::sort(position.begin(), position.end());
  const auto repeat = std::adjacent_find(position.begin(), position.end());
  if (repeat != position.end()) {
    throw parse_error(std::string(source), 0,
                      detail::concat("entry (", *repeat / m.cols + 1, ", ",
                                     *repeat % m.cols + 1,
                                     ") appears more than once, expected "
                                     "each entry at most once"));
  }

  for (std::size_t k = 0; k < m.row.size(); ++k) {
    const float v = m.value.empty() ? 1.0f : static_cast<float>(m.value[k]);
    if (!std::isfinite(v)) {
      throw parse_error(
          std::string(source), 0,
          detail::concat("entry (", m.row[k] + 1, ", ", m.col[k] + 1,
                         ") = ", m.value[k], " does not fit a float"));
    }
    out(m.row[k], m.col[k]) = v;
  }
  return out;
}

matrix<float> read_dense_matrix(const std::filesystem::path& path,
                                const mtx_options& options) {
  std::ifstream file = detail::open_input(path);
  return read_dense_matrix(file, path.string(), options);
}

}  // namespace gcnops
