// fuzz_replay: runs files through a fuzz driver outside libFuzzer and says
// what each one led to. Used to reproduce a crash with any compiler and to
// print the error every bad input gets:
//
//   fuzz_replay <target> <file>...
//
// prints "<file>\taccepted" or "<file>\t<error type>\t<message>" per file.
// When a driver lets anything but a gcnops::error escape, prints
// "<file>\tESCAPED\t<what>", goes on with the next file and exits 1 at the
// end; 2 on bad usage.
#include <exception>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "fuzz_drivers.hpp"

int main(int argc, char** argv) {
  using gcnops::fuzz::target_names;
  if (argc < 3) {
    std::cerr << "usage: fuzz_replay <target> <file>...\ntargets:";
    for (const auto& name : target_names())
      std::cerr << ' ' << name;
    std::cerr << '\n';
    return 2;
  }
  const std::string target = argv[1];
  int status = 0;
  for (int k = 2; k < argc; ++k) {
    std::ifstream file(argv[k], std::ios::binary);
    if (!file) {
      std::cerr << argv[k] << ": cannot be opened\n";
      return 2;
    }
    std::ostringstream text;
    text << file.rdbuf();
    try {
      const auto result = gcnops::fuzz::drive(target, text.str());
      std::cout << argv[k] << '\t'
                << (result.accepted ? "accepted" : result.error_type);
      if (!result.accepted) std::cout << '\t' << result.message;
      std::cout << '\n';
    } catch (const std::exception& e) {
      std::cout << argv[k] << "\tESCAPED\t" << e.what() << '\n';
      status = 1;
    }
  }
  return status;
}
