#!/usr/bin/env bash
# One device call: build the fatbin with nvcc (or take prebuilt/sparrow_kernels.fatbin[.gz]), run the GPU tests,
# run CudaKernelBench ($BENCH_ARGS, e.g. --sweep), then the PyTorch peers (torch_peers.py). Expects the
# staging folder made by the caller (see docs/cuda.md): src/*.cu + build-cuda-kernels.sh or prebuilt/, torch_peers.py, lib/ (sparrow-core,
# sparrow-cuda, assertj, junit console jars), test-classes/, and ../.device-jdk; writes to $OUT.
cd "$(dirname "$0")"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,utilization.gpu --format=csv
nvcc --version | tail -2
mkdir -p out
[ -f prebuilt/sparrow_kernels.fatbin.gz ] && gunzip -f prebuilt/sparrow_kernels.fatbin.gz
if [ -f prebuilt/sparrow_kernels.fatbin ]; then   # built by the same nvcc elsewhere: saves a minute of device time
  cp prebuilt/sparrow_kernels.fatbin out/
else
  bash build-cuda-kernels.sh src out 2>&1 | tee $OUT/build.log | tail -3 || exit 1
  cp out/sparrow_kernels.fatbin out/sparrow_kernels.nvcc.txt $OUT/
fi
J="../.device-jdk/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dsparrow.cuda.fatbin=out/sparrow_kernels.fatbin"
CP=lib/sparrow-core-0.1.0-SNAPSHOT.jar:lib/sparrow-cuda-0.1.0-SNAPSHOT.jar:lib/assertj-core-3.27.7.jar
CUBLAS=$(find /opt /usr -name 'libcublas.so*' 2>/dev/null | sort | head -1)
echo "cublas: $CUBLAS"
[ -n "$CUBLAS" ] && export LD_LIBRARY_PATH="$(dirname "$CUBLAS"):${LD_LIBRARY_PATH:-}"
timeout ${TEST_S:-200} $J -jar lib/junit-platform-console-standalone-1.14.1.jar execute --class-path $CP:test-classes \
  --select-package dev.sparrow.cuda --details=tree --disable-banner > $OUT/tests.log 2>&1
echo "tests rc=$?"; grep -E "tests (successful|failed|aborted|skipped)|✘" $OUT/tests.log | head -30
timeout ${BENCH_S:-240} $J -cp $CP -Dsparrow.cublas=$CUBLAS dev.sparrow.cuda.bench.CudaKernelBench $BENCH_ARGS 2>&1 | tee $OUT/bench.txt | grep -vE "^[0-9]+x[0-9]+ .*(condensed [0-9g]|cond-bf16 |block4 [0-9])"
# PyTorch peers on the same card, right after (dense fp32, TF32, bf16, cuSPARSE CSR)
PYTHONUNBUFFERED=1 timeout ${TORCH_S:-120} python3 torch_peers.py $TORCH_ARGS 2>&1 | tee $OUT/torch.txt | tail -30
