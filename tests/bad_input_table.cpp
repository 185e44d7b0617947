// bad_input_table: runs every case of the bad-input table and prints what
// each really throws as a Markdown table (docs/ROBUSTNESS.md embeds it).
// Exits 1 when a case throws another type than the table expects.
#include <iostream>
#include <string>

#include "bad_inputs.hpp"

namespace {

// Table cells: one line, pipes escaped (also inside code spans).
std::string cell(std::string s) {
  for (std::size_t at = 0; (at = s.find('|', at)) != std::string::npos;
       at += 2) {
    s.replace(at, 1, "\\|");
  }
  for (char& ch : s) {
    if (ch == '\n') ch = ' ';
  }
  return s;
}

}  // namespace

int main() {
  using gcnops::test::bad_inputs;
  int status = 0;
  std::cout << "| entry point | bad input | exception | message |\n"
            << "|---|---|---|---|\n";
  for (const auto& c : bad_inputs()) {
    const auto got = gcnops::test::observe(c);
    if (got.type != c.type) status = 1;
    std::cout << "| `" << c.area << "` | " << cell(c.input) << " | `"
              << got.type << "` | `" << cell(got.message) << "` |\n";
  }
  return status;
}
