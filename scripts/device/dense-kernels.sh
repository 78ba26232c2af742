#!/usr/bin/env bash
# Dense-kernel figures on the lent machine's CPU (quiet, unlike our shared 2-core machines), with
# PyTorch's single-thread matmul of the same shape as a peer. Needs a carried JDK 25 runtime in
# .device-jdk (../shared/bench/make-device-jdk.sh) and sparrow-bench/target/benchmarks.jar.
#   device run: bash scripts/device/dense-kernels.sh   (carry .device-jdk, sparrow-bench/target/benchmarks.jar)
set -uo pipefail
J=${JAVA:-.device-jdk/bin/java}
JAR=sparrow-bench/target/benchmarks.jar
lscpu | grep -E 'Model name|^CPU\(s\)|L2|L3' ; grep -o -m1 -E 'avx512f' /proc/cpuinfo || echo "no avx512f"
echo "== GEMM vs peak FMA (JMH, 1 thread, peak measured before and after each GEMM run)"
"$J" --add-modules jdk.incubator.vector -cp "$JAR" dev.sparrow.bench.KernelReport "${ROUNDS:-3}" \
    NN_256x3072x768,NT_256x3072x768,TN_3072x768x256,NN_256x768x3072 1 2>&1 | grep -E '^(round|median)'
echo "== GEMV (JMH, 1 thread)"
"$J" --add-modules jdk.incubator.vector -jar "$JAR" GemvBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1 -p transposed=false \
    -rf csv -rff /tmp/gemv.csv 2>&1 | grep -E '^GemvBenchmark|^Benchmark' 
echo "== PyTorch peer, 1 thread"
P=python3; [ -x /opt/torch/.venv/bin/python3 ] && P=/opt/torch/.venv/bin/python3
$P - <<'PY'
import time, torch
torch.set_num_threads(1)
def med(fn, n=30):
    for _ in range(5): fn()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return sorted(ts)[n // 2]
a = torch.randn(256, 768); b = torch.randn(768, 3072)
t = med(lambda: a @ b)
print(f"torch {torch.__version__} mm 256x768 by 768x3072, 1 thread: {t*1e6:.0f} us = {2*256*768*3072/t/1e9:.1f} GFLOP/s")
for m, n in ((768, 3072), (3072, 768), (4096, 4096)):
    W = torch.randn(m, n); x = torch.randn(n)
    t = med(lambda: torch.mv(W, x), 50)
    print(f"torch mv {m}x{n}, 1 thread (W cached): {t*1e6:.0f} us")
PY
