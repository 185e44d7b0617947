#!/usr/bin/env bash
# Builds the CPU test suite with AddressSanitizer, LeakSanitizer and
# UndefinedBehaviorSanitizer (GCNOPS_SANITIZE, CUDA off) in its own build
# folder and runs it; the first report fails the run. The package tests
# (install, then build a consumer) are left out: a consumer would need the
# sanitizer runtime too; so is the command line, which no CPU test uses.
# sanitizer_reports_* prove that the sanitizers fire.
#   BUILD_DIR  build folder (default: build-sanitize)
#   JOBS       parallel build jobs and tests (default: 2)
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build-sanitize}
jobs=${JOBS:-2}

# -O1 with line tables: quick to build, exact stack traces.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DGCNOPS_SANITIZE=ON -DGCNOPS_ENABLE_CUDA=OFF \
  -DGCNOPS_BUILD_BENCHMARKS=OFF -DGCNOPS_BUILD_TOOLS=OFF >/dev/null
cmake --build "$build" --parallel "$jobs"

# Leaks are checked at every exit; any report ends the test that made it.
asan=detect_leaks=1:detect_stack_use_after_return=1
asan+=:check_initialization_order=1:strict_string_checks=1
export ASAN_OPTIONS=$asan
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$build" -L cpu -LE package --output-on-failure \
  --parallel "$jobs"
