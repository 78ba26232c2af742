#!/usr/bin/env bash
# Issue 14, round 3 (branch gpu2): the whole sparrow-cuda GPU suite, CudaSessionBench on the MLP, the CNN and the
# ONNX ResNet-style nets, and the PyTorch eager peers (torch_models.py), in one device call. Run as
# .cuda-stage/run.sh from a stage holding: sjdk.tar.xz (the jlinked JDK 25), lib/ (core, cuda without its fatbin,
# onnx, protobuf, assertj, junit-console), test-classes/, prebuilt/sparrow_kernels.fatbin.gz, fixtures/*.onnx,
# bench_resnet18_pruned90.onnx.gz, py/ (torch_models.py, make_onnx_fixtures.py). Logs go to $OUT.
cd "$(dirname "$0")"
mkdir -p /opt/sjdk && { tar -C /opt/sjdk -xJf sjdk.tar.xz || python3 -c "import tarfile; tarfile.open('sjdk.tar.xz').extractall('/opt/sjdk')"; }
chmod -R u+x /opt/sjdk/bin /opt/sjdk/lib
gunzip -c prebuilt/sparrow_kernels.fatbin.gz > /tmp/sparrow_kernels.fatbin
gunzip -c bench_resnet18_pruned90.onnx.gz > /tmp/bench_resnet18_pruned90.onnx
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
nproc
J="/opt/sjdk/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dsparrow.cuda.fatbin=/tmp/sparrow_kernels.fatbin"
CP=lib/core.jar:lib/cuda.jar:lib/onnx.jar:lib/protobuf.jar:lib/assertj.jar
CUBLAS=$(find /opt /usr -name 'libcublas.so*' 2>/dev/null | sort | head -1)
echo "cublas: $CUBLAS"
[ -n "$CUBLAS" ] && export LD_LIBRARY_PATH="$(dirname "$CUBLAS"):${LD_LIBRARY_PATH:-}"
J="$J -Dsparrow.cublas=$CUBLAS"
if [ "${SKIP_TESTS:-0}" != 1 ]; then
  timeout ${TEST_S:-200} $J -Dsparrow.onnx.fixtures=fixtures -jar lib/junit-console.jar execute \
    --class-path $CP:test-classes ${SELECT:---select-package dev.sparrow.cuda} --details=tree --disable-banner > $OUT/tests.log 2>&1
  echo "tests rc=$?"; grep -E "tests (successful|failed|aborted|skipped)|✘|Exception:|expected|Expect" $OUT/tests.log | head -60
fi
B="timeout ${BENCH_S:-150} $J -cp $CP dev.sparrow.cuda.bench.CudaSessionBench"
{
  $B --sizes 784,2048,2048,10 --batches 1,256
  $B --cnn --batches 1,256
  $B --onnx fixtures/resnet_pruned90.onnx --batches 1,256 --modes tuned,cublas,dense
  $B --onnx /tmp/bench_resnet18_pruned90.onnx --batches 1,64 --modes tuned,cublas --cpu-max-batch 1
} 2>&1 | grep -v "^WARNING" | tee $OUT/session-bench.txt
[ "${SKIP_TORCH:-0}" = 1 ] || PYTHONUNBUFFERED=1 timeout ${TORCH_S:-150} python3 py/torch_models.py 2>&1 | tee $OUT/torch-models.txt
# the CLI path: sparrow bench model MODEL --device cuda (CudaModelBench), from the shaded jar less its fatbin
[ "${SKIP_CLI:-0}" = 1 ] || timeout ${CLI_S:-90} $J -cp lib/cli-all.jar dev.sparrow.cli.SparrowCli bench model fixtures/resnet_pruned90.onnx \
  --device cuda --batch 1,64 --threads 16 --warmup-ms 200 --measure-ms 1000 2>&1 | grep -v "^WARNING" | tee $OUT/cli-bench.txt
