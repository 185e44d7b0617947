// The table of bad inputs: every way of calling gcnops wrongly that the
// validation suite tries, with the exception each must get.
//
// validation_test.cpp checks every case (type, and the argument, value and
// accepted range in the message); bad_input_table prints the same cases
// with the messages they really produce, for docs/ROBUSTNESS.md. One list
// serves both, so the documented messages are the tested ones.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace gcnops::test {

struct bad_input {
  std::string area;   // the entry point: "op_config", "graph::from_edges"
  std::string input;  // what is given, as the table shows it
  std::string type;   // the exception expected: "invalid_argument", ...
  std::vector<std::string> needles;  // parts the message must contain
  std::function<void()> run;         // makes the call
};

// Every case, grouped by area, in the order the documentation lists them.
const std::vector<bad_input>& bad_inputs();

// What a case threw: the gcnops exception type name ("none" when nothing
// was thrown) and its message, with scratch folders shown as <folder>.
struct observed {
  std::string type;
  std::string message;
};

observed observe(const bad_input& c);

}  // namespace gcnops::test
