#!/usr/bin/env bash
# The one script to run on a machine with an NVIDIA GPU (an H200 by
# default): configure for sm_90, build, run the `gpu` tests, run the
# operator throughput benchmark of the fused kernels against cuSPARSE, and
# print one table. Results go to $OUT (default: device-check-out/).
#
#   bash tools/device-check.sh            cora, pubmed, R-MAT 20 and 22
#   bash tools/device-check.sh --quick    cora and R-MAT 16 only
#   bash tools/device-check.sh --sanitize also compute-sanitizer memcheck and
#                                         racecheck over a subset of the gpu
#                                         tests (several minutes more)
#
# A GPU machine may have nvcc and CMake but no GoogleTest, Google Benchmark,
# CLI11, nlohmann/json or Eigen, and no way to install them. The script
# looks for them first and otherwise uses .devdeps/ (packed on a Debian
# machine by tools/pack-device-deps.sh and carried along with the tree),
# then GoogleTest's sources under /usr/src/googletest if present.
set -uo pipefail
cd "$(dirname "$0")/.."

quick=0
sanitize=0
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    --sanitize) sanitize=1 ;;
    *) echo "device-check: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done
out=${OUT:-device-check-out}
mkdir -p "$out"
build=${BUILD_DIR:-build-device}
arch=${CUDA_ARCH:-90}
log() { echo "device-check: $*" | tee -a "$out/summary.txt"; }
: >"$out/summary.txt"

# 1. The machine.
log "date $(date -u +%Y-%m-%dT%H:%MZ)"
if command -v nvidia-smi >/dev/null; then
  log "gpu $(nvidia-smi --query-gpu=name,driver_version,memory.total \
        --format=csv,noheader | head -1)"
fi
log "nvcc $(nvcc --version | tail -1)"
log "cmake $(cmake --version | head -1)"

# 2. Dependencies: .devdeps first when carried, then the system; failing
# both, GoogleTest from its sources.
prefix=()
if [[ -d .devdeps/usr ]]; then
  prefix=(-DCMAKE_PREFIX_PATH="$PWD/.devdeps/usr")
  export LD_LIBRARY_PATH="$PWD/.devdeps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
  log "dependencies: .devdeps first, then the system"
elif [[ -d /usr/src/googletest ]]; then
  prefix=(-DGCNOPS_GTEST_SOURCE_DIR=/usr/src/googletest)
  log "dependencies: the system; GoogleTest from /usr/src/googletest if needed"
fi
if [[ -d .devdeps/data ]]; then export GCNOPS_DATA="$PWD/.devdeps/data"; fi
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

# 3. Build.
start=$(date +%s)
if ! cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
     -DCMAKE_CUDA_ARCHITECTURES="$arch" "${prefix[@]}" \
     >"$out/configure.log" 2>&1; then
  log "configure FAILED (see configure.log)"; tail -20 "$out/configure.log"
  exit 1
fi
if ! cmake --build "$build" --parallel "$(nproc)" >"$out/build.log" 2>&1; then
  log "build FAILED (see build.log)"; grep -m5 -A5 error "$out/build.log"
  exit 1
fi
log "build ok in $(( $(date +%s) - start )) s"

# 4. GPU tests.
start=$(date +%s)
ctest --test-dir "$build" -L gpu --output-on-failure --timeout 300 \
  >"$out/gpu-tests.log" 2>&1
status=$?
log "gpu tests: $(grep -E 'tests passed|tests failed' "$out/gpu-tests.log" \
  | tail -1) ($(( $(date +%s) - start )) s)"
if [[ $status -ne 0 ]]; then
  grep -E "Failed|FAILED|Failure|rel err" "$out/gpu-tests.log" | head -30
fi

# 4b. compute-sanitizer over a subset of the gpu tests: every kernel family
# (forward, backward, tiles, layer epilogues, model kernels) is reached.
if [[ $sanitize == 1 ]]; then
  subset='AllOperators/CudaOperator.*sym_hub_tiles:Layers/*:CudaEdgeCases.*'
  for tool in memcheck racecheck; do
    start=$(date +%s)
    compute-sanitizer --tool "$tool" --error-exitcode 9 \
      "$build/tests/cuda_propagate_test" --gtest_filter="$subset" \
      >"$out/sanitize-$tool.log" 2>&1
    log "compute-sanitizer $tool: exit $? ($(( $(date +%s) - start )) s), \
$(grep -E 'ERROR SUMMARY' "$out/sanitize-$tool.log" | tail -1)"
  done
  compute-sanitizer --tool memcheck --error-exitcode 9 \
    "$build/tests/cuda_model_test" --gtest_filter='*pairnorm_initial:*plain_residual' \
    >"$out/sanitize-model.log" 2>&1
  log "compute-sanitizer memcheck (model): exit $?, \
$(grep -E 'ERROR SUMMARY' "$out/sanitize-model.log" | tail -1)"
fi

# 5. Throughput, fused against cuSPARSE, warm L2.
graphs='(0|1|4|5)'
[[ $quick == 1 ]] && graphs='(0|3)'
filter="BM_gpu_operator/op:[0-6]/bwd:[01]/graph:${graphs}/F:(32|64|128|256)/flush:0"
start=$(date +%s)
"$build/bench/operator_bench" --benchmark_filter="$filter" \
  --benchmark_out="$out/operator_bench.json" --benchmark_out_format=json \
  >"$out/operator_bench.log" 2>&1
log "benchmark exit $? ($(( $(date +%s) - start )) s)"

# 6. One table.
python3 tools/bench_report.py table "$out/operator_bench.json" \
  | tee "$out/table.md"
exit $status
