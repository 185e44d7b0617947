#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan, UBSan) and runs each for a
# bounded time. CI runs it for about a minute per target; a long run is the
# same command with more seconds:
#
#   bash tools/fuzz.sh                 # 60 s per target, all targets
#   bash tools/fuzz.sh 3600 dataset    # one hour on the dataset loader
#
# Arguments: SECONDS per target (default 60), then target names
# (matrix_market, edge_list, dataset; default all).
#   BUILD_DIR  build folder (default: build-fuzz)
#   JOBS       parallel build jobs (default: 2)
#
# Each target's corpus grows in $BUILD_DIR/corpus/<target>, seeded from
# tests/fuzz/corpus/<target> (never written). Crashes, hangs (over 10 s)
# and inputs that exceed 2 GiB of memory are saved as
# $BUILD_DIR/artifacts/<target>/{crash,timeout,oom,leak}-<hash>; the script
# then exits non-zero, after running the remaining targets. Reproduce one
# with `$BUILD_DIR/fuzz/fuzz_<target> <file>`; replay it with any compiler
# through `fuzz_replay <target> <file>` (built with the tests).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(matrix_market edge_list dataset)
fi
build=${BUILD_DIR:-build-fuzz}
jobs=${JOBS:-2}

# 1. Build: clang with coverage and sanitizers, nothing but the targets.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DGCNOPS_FUZZ=ON -DGCNOPS_ENABLE_CUDA=OFF \
  -DGCNOPS_BUILD_TESTS=OFF -DGCNOPS_BUILD_BENCHMARKS=OFF \
  -DGCNOPS_BUILD_TOOLS=OFF -DCMAKE_DISABLE_FIND_PACKAGE_OpenMP=ON >/dev/null
cmake --build "$build" --parallel "$jobs" \
  --target "${targets[@]/#/fuzz_}" fuzz_replay

# 2. Run every target, each with its own corpus, artifacts and log.
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
summary="$build/fuzz-summary.txt"
mkdir -p "$build/logs"
printf '%-14s %8s %12s %8s %8s  %s\n' target seconds executions corpus \
  coverage result | tee "$summary"
failed=0
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  log="$build/logs/$t.log"
  mkdir -p "$corpus" "$artifacts"
  status=0
  "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=8192 \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict="tests/fuzz/$t.dict" -artifact_prefix="$artifacts/" \
    "$corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1 || status=$?

  # libFuzzer's final statistics: executions, corpus size, coverage.
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$done_line")
  cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' <<<"$done_line")
  result=ok
  if ((status != 0)); then
    result="FAILED (exit $status): $(ls "$artifacts" | tr '\n' ' ')"
    failed=1
  fi
  printf '%-14s %8s %12s %8s %8s  %s\n' "$t" "$seconds" "${execs:-?}" \
    "${corp:-?}" "${cov:-?}" "$result" | tee -a "$summary"
  if ((status != 0)); then
    echo "--- last lines of $log ---"
    tail -n 40 "$log"
  fi
done

if ((failed)); then
  echo "gcnops: fuzzing found failures; inputs are under $build/artifacts/" >&2
  exit 1
fi
echo "gcnops: fuzzing found nothing ($(date -u +%Y-%m-%d), logs in $build/logs)"
