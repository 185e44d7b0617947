// Line-oriented text input with exact error locations (private to host/).
//
// line_reader hands out one line at a time without its end-of-line
// characters ("\n" or "\r\n"), counts lines from 1, and refuses lines longer
// than kMaxLineBytes so that a corrupt file cannot exhaust memory. The parse
// helpers throw parse_error naming the source, the line, the token and the
// accepted range.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "gcnops/error.hpp"

namespace gcnops::detail {

inline constexpr std::size_t kMaxLineBytes = std::size_t{1} << 20;

// At most 40 characters of a line, for messages.
inline std::string excerpt(std::string_view s) {
  return s.size() <= 40 ? std::string(s) : std::string(s.substr(0, 37)) + "...";
}

class line_reader {
 public:
  line_reader(std::istream& in, std::string_view source)
      : in_(in), source_(source) {}

  // Reads the next line into `line` (valid until the next call); false at
  // the end of the input. Throws parse_error for an over-long line, a NUL
  // byte, or a stream error.
  bool next(std::string_view& line) {
    buffer_.clear();
    std::streambuf* sb = in_.rdbuf();
    bool any = false;
    for (;;) {
      const int c = sb->sbumpc();
      if (c == std::char_traits<char>::eof()) break;
      any = true;
      if (c == '\n') break;
      if (c == '\0') {
        throw parse_error(source_, line_ + 1,
                          "contains a NUL byte, expected text");
      }
      if (buffer_.size() == kMaxLineBytes) {
        throw parse_error(source_, line_ + 1,
                          concat("line is longer than ", kMaxLineBytes,
                                 " bytes, expected a text line"));
      }
      buffer_.push_back(static_cast<char>(c));
    }
    if (!any) return false;
    ++line_;
    if (!buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();
    line = buffer_;
    return true;
  }

  std::uint64_t line() const noexcept { return line_; }
  const std::string& source() const noexcept { return source_; }

 private:
  std::istream& in_;
  std::string source_;
  std::string buffer_;
  std::uint64_t line_ = 0;
};

// Splits on spaces and tabs.
inline std::vector<std::string_view> split_tokens(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < line.size()) {
    const std::size_t start = line.find_first_not_of(" \t", pos);
    if (start == std::string_view::npos) break;
    std::size_t end = line.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = line.size();
    out.push_back(line.substr(start, end - start));
    pos = end;
  }
  return out;
}

// Steps over one leading '+' (from_chars accepts only '-'), unless a sign
// follows it: "+-5" must stay malformed rather than read as -5.
inline void skip_plus_sign(const char*& first, const char* last) {
  if (last - first >= 2 && first[0] == '+' && first[1] != '-' &&
      first[1] != '+') {
    ++first;
  }
}

// An integer token within [min, max]; `what` names it in messages.
inline std::int64_t parse_integer(const line_reader& in, std::string_view token,
                                  std::string_view what, std::int64_t min,
                                  std::int64_t max = INT64_MAX) {
  std::int64_t value = 0;
  const char* first = token.data();
  const char* last = token.data() + token.size();
  skip_plus_sign(first, last);
  const auto [end, ec] = std::from_chars(first, last, value);
  if (ec == std::errc::result_out_of_range) {
    throw limit_error(concat(in.source(), ":", in.line(), ": ", what, " ",
                             excerpt(token), " does not fit a 64-bit integer"));
  }
  if (ec != std::errc() || end != last) {
    throw parse_error(
        in.source(), in.line(),
        concat(what, " '", excerpt(token), "' is not an integer"));
  }
  if (value < min || value > max) {
    throw parse_error(
        in.source(), in.line(),
        concat(what, " ", value, " is out of range, expected ",
               max == INT64_MAX ? concat(">= ", min)
                                : concat("[", min, ", ", max, "]")));
  }
  return value;
}

// A finite real-number token.
inline double parse_real(const line_reader& in, std::string_view token,
                         std::string_view what) {
  double value = 0.0;
  const char* first = token.data();
  const char* last = token.data() + token.size();
  skip_plus_sign(first, last);
  const auto [end, ec] = std::from_chars(first, last, value);
  if ((ec != std::errc() && ec != std::errc::result_out_of_range) ||
      end != last) {
    throw parse_error(in.source(), in.line(),
                      concat(what, " '", excerpt(token), "' is not a number"));
  }
  if (ec == std::errc::result_out_of_range) {
    // Underflow rounds to zero or a subnormal; overflow is refused below.
    value = std::strtod(std::string(first, last).c_str(), nullptr);
  }
  if (!std::isfinite(value)) {
    throw parse_error(in.source(), in.line(),
                      concat(what, " '", excerpt(token),
                             "' is not a finite double, expected a finite "
                             "number"));
  }
  return value;
}

// Opens a file for reading, or throws io_error saying why it cannot.
inline std::ifstream open_input(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    throw io_error(concat(path.string(), ": no such file"));
  }
  if (std::filesystem::is_directory(status)) {
    throw io_error(concat(path.string(), ": is a directory, expected a file"));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw io_error(concat(path.string(), ": cannot be opened for reading"));
  }
  return file;
}

}  // namespace gcnops::detail
