#!/usr/bin/env bash
# Installs what building and testing gcnops needs and a fresh Debian or
# Ubuntu machine may lack, from the distribution's packages. Installs
# nothing when all is present. The CUDA toolkit is optional and never
# installed here: without nvcc only the CPU backend is built. clang and
# its runtime libraries (libFuzzer, sanitizers) serve tools/fuzz.sh;
# GCC's sanitizer runtimes come with g++.
set -euo pipefail

packages=(cmake g++ make libgtest-dev libbenchmark-dev libcli11-dev
          nlohmann-json3-dev libeigen3-dev libopenblas-dev clang
          libclang-rt-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "gcnops: installing missing packages: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then
    sudo="sudo"
  else
    echo "gcnops: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# Releases before Debian 12 and Ubuntu 23.04 ship clang's runtime inside
# libclang-common-*-dev (a dependency of clang) and know no libclang-rt-dev.
available=()
for p in "${missing[@]}"; do
  if [[ $p == libclang-rt-dev ]] &&
    ! apt-cache show libclang-rt-dev >/dev/null 2>&1; then
    continue
  fi
  available+=("$p")
done
$sudo apt-get install -y -qq --no-install-recommends "${available[@]}"
