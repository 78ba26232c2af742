#!/usr/bin/env bash
# Builds sparrow-cuda's kernels (sparrow-cuda/src/main/cuda/*.cu) into one fatbin holding SASS for
# sm_80, sm_90 and sm_100 plus PTX for compute_80 (the oldest architecture: the driver JIT-compiles it
# on any newer GPU), and records the nvcc used. Run where nvcc is (the lent GPU machine, or any machine
# with the CUDA toolkit); the Maven build never needs nvcc, it packages the committed fatbin.
#   scripts/device/build-cuda-kernels.sh [source-dir] [out-dir]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
src="${1:-$here/sparrow-cuda/src/main/cuda}"
out="${2:-$here/sparrow-cuda/src/main/resources/dev/sparrow/cuda}"
mkdir -p "$out"
archs=(-gencode=arch=compute_80,code=sm_80 -gencode=arch=compute_90,code=sm_90)
if nvcc --list-gpu-code 2>/dev/null | grep -qx sm_100; then
  archs+=(-gencode=arch=compute_100,code=sm_100)
else
  echo "note: this nvcc cannot build sm_100; the fatbin has no Blackwell SASS (the PTX still runs there)" >&2
fi
archs+=(-gencode=arch=compute_80,code=compute_80)
nvcc -O3 -std=c++17 -fatbin "${archs[@]}" -Xptxas -v -o "$out/sparrow_kernels.fatbin" "$src/sparrow_kernels.cu" \
  2> "$out/ptxas.log.tmp" || { cat "$out/ptxas.log.tmp" >&2; rm -f "$out/ptxas.log.tmp"; exit 1; }
grep -E "spill|error" "$out/ptxas.log.tmp" | grep -v " 0 bytes spill stores, 0 bytes spill loads" >&2 || true
rm -f "$out/ptxas.log.tmp"
{
  echo "# nvcc that built sparrow_kernels.fatbin (scripts/device/build-cuda-kernels.sh)"
  nvcc --version
  echo "# targets: ${archs[*]}"
  echo "# sha256: $(sha256sum "$out/sparrow_kernels.fatbin" | cut -d' ' -f1)"
} > "$out/sparrow_kernels.nvcc.txt"
cat "$out/sparrow_kernels.nvcc.txt"
