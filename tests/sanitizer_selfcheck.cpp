// sanitizer_selfcheck: commits one error on purpose so that the sanitizer
// build can prove its sanitizers are active. Only built with
// GCNOPS_SANITIZE; each CTest test passes when the report appears.
//   sanitizer_selfcheck leak | heap_overflow | signed_overflow |
//                       float_cast
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

volatile int sink;

int run(const char* mode) {
  if (std::strcmp(mode, "leak") == 0) {
    // Lost on return: LeakSanitizer reports it at exit.
    void* lost = std::malloc(77);
    sink = lost != nullptr;
    lost = nullptr;
    return 0;
  }
  if (std::strcmp(mode, "heap_overflow") == 0) {
    // A size the compiler cannot see, so that only ASan can object.
    volatile std::size_t count = 4;
    auto* cells = static_cast<int*>(std::malloc(count * sizeof(int)));
    sink = cells[count];
    std::free(cells);
    return 0;
  }
  if (std::strcmp(mode, "signed_overflow") == 0) {
    volatile int big = 2147483647;
    sink = big + 1;
    return 0;
  }
  if (std::strcmp(mode, "float_cast") == 0) {
    volatile double huge = 1e300;
    sink = static_cast<int>(static_cast<long long>(huge));
    return 0;
  }
  std::fprintf(stderr, "unknown mode %s\n", mode);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  return argc == 2 ? run(argv[1]) : 2;
}
