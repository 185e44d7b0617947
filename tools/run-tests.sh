#!/usr/bin/env bash
# Builds gcnops and runs its whole test suite: README's test command, and
# what CI runs. GPU tests skip visibly where no CUDA device exists.
#   BUILD_DIR  build folder (default: build)
#   JOBS       parallel build jobs (default: all cores)
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
build=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" --parallel "$jobs"
ctest --test-dir "$build" --output-on-failure --parallel "$jobs"
