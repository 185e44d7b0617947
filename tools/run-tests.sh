#!/usr/bin/env bash
# Builds gcnops and runs its whole test suite: README's test command, and
# what CI runs. Three stages, each in its own build folder:
#   1. the CPU suite under ASan, LSan and UBSan (tools/sanitize.sh);
#   2. every fuzz target for a bounded time (tools/fuzz.sh);
#   3. the main build and its whole suite, last, so that the output ends
#      with CTest's summary. GPU tests skip visibly without a CUDA device.
#   BUILD_DIR     main build folder (default: build)
#   JOBS          parallel build jobs (default: all cores)
#   FUZZ_SECONDS  seconds per fuzz target (default: 60)
#   SANITIZE=0 or FUZZ_SECONDS=0 leave a stage out, saying so.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
build=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
fuzz_seconds=${FUZZ_SECONDS:-60}

# Runs one stage and reports its wall time.
stage() {
  local name=$1
  shift
  echo
  echo "==== gcnops: $name"
  local start=$SECONDS
  "$@"
  echo "==== gcnops: $name passed in $((SECONDS - start)) s"
}

if [[ ${SANITIZE:-1} != 0 ]]; then
  stage "sanitizer suite" env JOBS="$jobs" bash tools/sanitize.sh
else
  echo "==== gcnops: sanitizer suite LEFT OUT (SANITIZE=0)"
fi
if ((fuzz_seconds > 0)); then
  stage "fuzzing, $fuzz_seconds s per target" \
    env JOBS="$jobs" bash tools/fuzz.sh "$fuzz_seconds"
else
  echo "==== gcnops: fuzzing LEFT OUT (FUZZ_SECONDS=0)"
fi

echo
echo "==== gcnops: main suite"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" --parallel "$jobs"
ctest --test-dir "$build" --output-on-failure --parallel "$jobs"
