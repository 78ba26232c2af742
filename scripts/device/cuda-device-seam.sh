#!/usr/bin/env bash
# Issue 14 (branch gpu14-s10): the whole sparrow-cuda GPU suite with the device seam (CudaDeviceProviderTest among
# it), then `sparrow predict` / `sparrow eval` end to end with --device cuda (the --device cpu answers: taken on the CPU
# machine, docs/cuda-runs/device-seam-cpu.txt), in one device
# call. Run as .cuda-stage/run14.sh from a stage (/work/main/.cuda-stage) holding: sjdk.tar.xz (the jlinked JDK 25),
# prebuilt14/sparrow_kernels.fatbin.gz (this branch's), lib14/ (onnx, protobuf, assertj, junit-console, this branch's core.jar,
# cuda.jar and the shaded cli-all.jar, fatbins removed), test-classes14/ (sparrow-cuda's), fixtures/*.onnx, e2e14/
# (data.csv, rows.csv, x.npy, y.npy, y10.npy, mlp.safetensors, cnn.safetensors). Logs go to $OUT.
# KBENCH=1 adds CudaKernelBench at batch 256 with --groups: the lane-group variants of the chunked kernel of commit
# d63a8ee (withdrawn from this branch until a device run tests and times them; cherry-pick it and stage its fatbin).
cd "$(dirname "$0")"
ONNX=../sparrow-onnx/src/test/resources/onnx
mkdir -p /opt/sjdk && { tar -C /opt/sjdk -xJf sjdk.tar.xz || python3 -c "import tarfile; tarfile.open('sjdk.tar.xz').extractall('/opt/sjdk')"; }
chmod -R u+x /opt/sjdk/bin /opt/sjdk/lib
# the fatbin of the branch staged (gzipped from sparrow-cuda/src/main/resources) where there is one, else main's
F=prebuilt14/sparrow_kernels.fatbin.gz; [ -f $F ] || F=prebuilt/sparrow_kernels.fatbin.gz
gunzip -c $F > /tmp/sparrow_kernels.fatbin && echo "fatbin: $F $(sha256sum /tmp/sparrow_kernels.fatbin | cut -c1-16)"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
J="/opt/sjdk/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dsparrow.cuda.fatbin=/tmp/sparrow_kernels.fatbin"
CUBLAS=$(find /opt /usr -name 'libcublas.so*' 2>/dev/null | sort | head -1)
[ -n "$CUBLAS" ] && export LD_LIBRARY_PATH="$(dirname "$CUBLAS"):${LD_LIBRARY_PATH:-}" && J="$J -Dsparrow.cublas=$CUBLAS"
CP=lib14/core.jar:lib14/cuda.jar:lib14/onnx.jar:lib14/protobuf.jar:lib14/assertj.jar
if [ "${SKIP_TESTS:-0}" != 1 ]; then
  timeout ${TEST_S:-200} $J -Dsparrow.onnx.fixtures=fixtures -jar lib14/junit-console.jar execute \
    --class-path $CP:test-classes14 ${SELECT:---select-package dev.sparrow.cuda} --details=tree --disable-banner > $OUT/tests.log 2>&1
  echo "tests rc=$?"; grep -E "tests (successful|failed|aborted|skipped)|✘|Exception:|expected|Expect" $OUT/tests.log | head -40
  grep -E "CudaDeviceProviderTest|serviceLoader|withoutAGpu|openRunsACudaSession" $OUT/tests.log
fi
CLI="timeout ${CLI_S:-60} $J -cp lib14/cli-all.jar dev.sparrow.cli.SparrowCli"
W=/tmp/e2e && mkdir -p $W
# --device cuda only (the --device cpu answers were taken on the CPU machine: docs/cuda-runs/device-seam-cpu.txt);
# checkpoints trained there (e2e14/mlp.safetensors on data.csv, e2e14/cnn.safetensors on x.npy / y.npy)
{
  $CLI predict e2e14/mlp.safetensors e2e14/rows.csv --device cuda
  for m in resnet_pruned90 cnn_bn_pruned90 mlp_pruned90; do
    $CLI predict fixtures/$m.onnx $ONNX/$m.input.npy --raw --device cuda 2> $W/raw-$m.err > $W/raw-$m.txt
  done
  grep -h -- "--device" $W/*.err
  $CLI eval e2e14/mlp.safetensors --data e2e14/data.csv --label-column kind --no-plot --threads 16 --device cuda | head -1
  $CLI eval e2e14/cnn.safetensors --data e2e14/x.npy --labels e2e14/y.npy --no-plot --threads 16 --device cuda | head -1
  $CLI eval fixtures/cnn_bn_pruned90.onnx --data e2e14/x.npy --labels e2e14/y10.npy --no-plot --threads 16 --device cuda | head -1
  python3 - "$W" "$ONNX" <<'PY'
import json, sys, numpy as np
w, onnx = sys.argv[1], sys.argv[2]
for m in ["resnet_pruned90", "cnn_bn_pruned90", "mlp_pruned90"]:
    got = np.array([json.loads(l) for l in open(f"{w}/raw-{m}.txt")], dtype=np.float64)
    ref = np.load(f"{onnx}/{m}.output.npy").astype(np.float64).reshape(got.shape)
    print(f"predict --raw --device cuda {m}: {got.shape[0]} rows, max |cuda - torch| / max |torch| ="
          f" {float(np.max(np.abs(got - ref)) / np.max(np.abs(ref))):.1e}")
PY
} 2>&1 | grep -v "^WARNING" | tee $OUT/e2e.txt
# round 4: the chunked kernel with each unit's entries over G lane groups, against cuBLAS and round 2's kernels
if [ "${KBENCH:-0}" = 1 ]; then
  timeout ${KBENCH_S:-100} $J -cp $CP dev.sparrow.cuda.bench.CudaKernelBench --shapes ${SHAPES:-768x3072,3072x768,4096x4096} \
    --batches 256 --groups --rounds ${ROUNDS:-40} 2>&1 | grep -v "^WARNING" > $OUT/kernel-bench.txt
  tail -62 $OUT/kernel-bench.txt
fi
