#!/usr/bin/env bash
# Issue 14 (branch gpu14-s10): the whole sparrow-cuda GPU suite with the device seam (CudaDeviceProviderTest among
# it), then `sparrow predict` / `sparrow eval` end to end with --device cuda against --device cpu, in one device
# call. Run as .cuda-stage/run14.sh from a stage (/work/main/.cuda-stage) holding: sjdk.tar.xz (the jlinked JDK 25),
# prebuilt/sparrow_kernels.fatbin.gz, lib/ (onnx, protobuf, assertj, junit-console), lib14/ (this branch's core.jar,
# cuda.jar and the shaded cli-all.jar, fatbins removed), test-classes14/ (sparrow-cuda's), fixtures/*.onnx, e2e14/
# (data.csv, rows.csv, x.npy, y.npy), optionally prebuilt14/ (this branch's fatbin). Last, CudaKernelBench at batch 256
# with the lane-group variants of the chunked kernel (--groups). Logs go to $OUT.
cd "$(dirname "$0")"
ONNX=../sparrow-onnx/src/test/resources/onnx
mkdir -p /opt/sjdk && { tar -C /opt/sjdk -xJf sjdk.tar.xz || python3 -c "import tarfile; tarfile.open('sjdk.tar.xz').extractall('/opt/sjdk')"; }
chmod -R u+x /opt/sjdk/bin /opt/sjdk/lib
# this branch's fatbin (built here by scripts/device/build-cuda-kernels.sh, nvcc 13.0) where staged, else main's
F=prebuilt14/sparrow_kernels.fatbin.gz; [ -f $F ] || F=prebuilt/sparrow_kernels.fatbin.gz
gunzip -c $F > /tmp/sparrow_kernels.fatbin && echo "fatbin: $F $(sha256sum /tmp/sparrow_kernels.fatbin | cut -c1-16)"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
J="/opt/sjdk/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dsparrow.cuda.fatbin=/tmp/sparrow_kernels.fatbin"
CUBLAS=$(find /opt /usr -name 'libcublas.so*' 2>/dev/null | sort | head -1)
[ -n "$CUBLAS" ] && export LD_LIBRARY_PATH="$(dirname "$CUBLAS"):${LD_LIBRARY_PATH:-}" && J="$J -Dsparrow.cublas=$CUBLAS"
CP=lib14/core.jar:lib14/cuda.jar:lib/onnx.jar:lib/protobuf.jar:lib/assertj.jar
if [ "${SKIP_TESTS:-0}" != 1 ]; then
  timeout ${TEST_S:-200} $J -Dsparrow.onnx.fixtures=fixtures -jar lib/junit-console.jar execute \
    --class-path $CP:test-classes14 ${SELECT:---select-package dev.sparrow.cuda} --details=tree --disable-banner > $OUT/tests.log 2>&1
  echo "tests rc=$?"; grep -E "tests (successful|failed|aborted|skipped)|✘|Exception:|expected|Expect" $OUT/tests.log | head -40
  grep -E "CudaDeviceProviderTest|serviceLoader|withoutAGpu|openRunsACudaSession" $OUT/tests.log
fi
CLI="timeout ${CLI_S:-60} $J -cp lib14/cli-all.jar dev.sparrow.cli.SparrowCli"
W=/tmp/e2e && mkdir -p $W
{
  $CLI train --data e2e14/data.csv --label-column kind --epochs 3 --batch-size 16 --threads 8 --no-progress -o $W/mlp | tail -2
  $CLI train --data e2e14/x.npy --labels e2e14/y.npy --model cnn --epochs 1 --batch-size 32 --threads 16 --no-progress -o $W/cnn | tail -2
  for d in cpu cuda; do
    echo "== --device $d"
    $CLI predict $W/mlp/checkpoint.safetensors e2e14/rows.csv --device $d | tee $W/predict-mlp-$d.txt
    for m in resnet_pruned90 cnn_bn_pruned90 mlp_pruned90; do
      $CLI predict fixtures/$m.onnx $ONNX/$m.input.npy --raw --device $d 2> $W/raw-$m-$d.err > $W/raw-$m-$d.txt
    done
    $CLI eval $W/mlp/checkpoint.safetensors --data e2e14/data.csv --label-column kind --no-plot --threads 16 --device $d | head -1
    $CLI eval $W/cnn/checkpoint.safetensors --data e2e14/x.npy --labels e2e14/y.npy --no-plot --threads 16 --device $d | head -1
    $CLI eval fixtures/cnn_bn_pruned90.onnx --data e2e14/x.npy --labels e2e14/y.npy --no-plot --threads 16 --device $d | head -1
  done
  grep -h -- "--device" $W/*.err
  cmp -s $W/predict-mlp-cpu.txt $W/predict-mlp-cuda.txt && echo "predict mlp checkpoint: cuda output = cpu output" \
    || echo "predict mlp checkpoint: OUTPUTS DIFFER"
  python3 - "$W" "$ONNX" <<'PY'
import json, sys, numpy as np
w, onnx = sys.argv[1], sys.argv[2]
for m in ["resnet_pruned90", "cnn_bn_pruned90", "mlp_pruned90"]:
    got = {d: np.array([json.loads(l) for l in open(f"{w}/raw-{m}-{d}.txt")], dtype=np.float64) for d in ["cpu", "cuda"]}
    ref = np.load(f"{onnx}/{m}.output.npy").astype(np.float64).reshape(got["cpu"].shape)
    rel = lambda a, b: float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
    print(f"predict --raw {m}: {got['cuda'].shape[0]} rows, cuda vs cpu rel {rel(got['cuda'], got['cpu']):.1e},"
          f" cuda vs torch rel {rel(got['cuda'], ref):.1e}, cpu vs torch rel {rel(got['cpu'], ref):.1e}")
PY
} 2>&1 | grep -v "^WARNING" | tee $OUT/e2e.txt
# round 4: the chunked kernel with each unit's entries over G lane groups, against cuBLAS and round 2's kernels
[ "${SKIP_KBENCH:-0}" = 1 ] || timeout ${KBENCH_S:-100} $J -cp $CP dev.sparrow.cuda.bench.CudaKernelBench \
  --shapes 768x3072,3072x768,4096x4096 --batches 256 --groups --rounds 40 2>&1 | grep -v "^WARNING" > $OUT/kernel-bench.txt
tail -62 $OUT/kernel-bench.txt
