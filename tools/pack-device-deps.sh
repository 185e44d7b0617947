#!/usr/bin/env bash
# Packs what a bare GPU machine may lack into .devdeps/ (ignored by git), so
# that tools/device-check.sh can build and run there: the headers, static
# or shared libraries and CMake package files of GoogleTest, Google
# Benchmark, CLI11, nlohmann/json and Eigen from this machine's Debian
# packages, laid out as under /usr, and the shared citeseer and pubmed
# datasets. Carry .devdeps with the tree (the device tool's `carry`).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
out=.devdeps
rm -rf "$out"
mkdir -p "$out/usr/include" "$out/usr/lib/x86_64-linux-gnu/cmake" \
         "$out/usr/share/cmake" "$out/usr/share/eigen3" "$out/data"

for d in eigen3 nlohmann CLI gtest gmock benchmark; do
  cp -r "/usr/include/$d" "$out/usr/include/"
done
lib=/usr/lib/x86_64-linux-gnu
cp -P "$lib"/libgtest*.a "$lib"/libgmock*.a "$lib"/libbenchmark* \
      "$out/usr/lib/x86_64-linux-gnu/"
cp -r "$lib/cmake/GTest" "$lib/cmake/benchmark" \
      "$out/usr/lib/x86_64-linux-gnu/cmake/"
cp -r /usr/share/cmake/CLI11 /usr/share/cmake/nlohmann_json \
      "$out/usr/share/cmake/"
cp -r /usr/share/eigen3/cmake "$out/usr/share/eigen3/"

shared=${GCNOPS_SHARED:-../shared}
for d in citeseer pubmed; do
  if [[ -d "$shared/data/$d" ]]; then cp -r "$shared/data/$d" "$out/data/"; fi
done
chmod -R u+w "$out"
du -sh "$out"
