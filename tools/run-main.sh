#!/usr/bin/env bash
# Builds gcnops (CPU and, where nvcc exists, CUDA) and runs the main job, the
# depth study on the carried cora dataset: README's first command. Extra
# arguments go to `gcnops study` (--quick, --full, --help, ...).
#   BUILD_DIR  build folder (default: build)
#   JOBS       parallel build jobs (default: all cores)
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
build=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --parallel "$jobs" --target gcnops_cli
"$build/bin/gcnops" study "$@"
