#!/usr/bin/env bash
# Sparrow's sparse kernels against PyTorch's CPU paths (dense and CSR) on the lent machine's CPU, same
# shapes, batches, sparsity and thread counts, in one command:
#   sparrow bench kernels --json   (every format and our dense kernels; cached and streamed weights)
#   torch_peers.py --device cpu    (PyTorch's dense linear and CSR sparse.mm; a copy of ../shared/bench's)
# for T in $THREADS, then joins both into one table (bench_vs_torch_join.py).
# Needs (carried, ignored paths): .device-jdk (MODULES=...,jdk.management ../shared/bench/make-device-jdk.sh, so that
# the warm-up can tell compiled kernels by their allocation) and
# sparrow-cli/target/sparrow-cli-all.jar (./mvnw -pl sparrow-cli -am package). ONNX Runtime does not travel
# (its jar is 75 MB): the bench says so in one line and goes on.
#   device run: bash scripts/device/bench-vs-torch.sh   (carry .device-jdk, sparrow-cli/target/sparrow-cli-all.jar)
# Writes to $OUT (or $OUTDIR, default /tmp/bench-vs-torch): sparrow-T<n>.jsonl, torch-T<n>.jsonl, *.log,
# joined.jsonl. Knobs: SHAPES, BATCHES, SPARSITY, THREADS ("1 16"), BENCH_OPTS (default --quick), TORCH_RUNS.
# Not yet timed on the device: by estimate 5-8 minutes, most of it at 1 thread (4096x4096 at batch 256).
# Near the 10-minute limit of one device command, run THREADS=1 and THREADS=16 as two calls (each joins
# what its own $OUT holds).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
SHAPES=${SHAPES:-768x3072,3072x768,4096x4096}
BATCHES=${BATCHES:-1,256}
SPARSITY=${SPARSITY:-0.9}
THREADS=${THREADS:-1 16}
BENCH_OPTS=${BENCH_OPTS---quick}  # BENCH_OPTS="" for the default (longer) warm-up
TORCH_RUNS=${TORCH_RUNS:-50}
DEST=${OUT:-${OUTDIR:-/tmp/bench-vs-torch}}
JAR=${JAR:-sparrow-cli/target/sparrow-cli-all.jar}
mkdir -p "$DEST"

# Java: $JAVA, else the carried runtime; a carried copy that lost its exec bits is copied to /opt/sjdk
if [ -z "${JAVA:-}" ]; then
  if [ -x /opt/sjdk/bin/java ]; then JAVA=/opt/sjdk/bin/java
  elif [ -x .device-jdk/bin/java ]; then JAVA=.device-jdk/bin/java
  elif [ -d .device-jdk ]; then
    rm -rf /opt/sjdk && cp -r .device-jdk /opt/sjdk && chmod -R u+x /opt/sjdk/bin /opt/sjdk/lib && JAVA=/opt/sjdk/bin/java
  fi
fi
[ -n "${JAVA:-}" ] && "$JAVA" -version >/dev/null 2>&1 || { echo "bench-vs-torch: no Java 25 (carry .device-jdk or set JAVA)" >&2; exit 1; }
[ -f "$JAR" ] || { echo "bench-vs-torch: $JAR missing (carry it: ./mvnw -pl sparrow-cli -am package)" >&2; exit 1; }
PY=python3; [ -x /opt/torch/.venv/bin/python3 ] && PY=/opt/torch/.venv/bin/python3

lscpu | grep -E 'Model name|^CPU\(s\)|Thread|L3' ; grep -o -m1 -E 'avx512f' /proc/cpuinfo || echo "no avx512f"
"$PY" -c 'import torch; print("torch", torch.__version__, "| MKL:", torch.backends.mkl.is_available(), "| threads default:", torch.get_num_threads())'
start=$(date +%s)
for T in $THREADS; do
  echo "== T=$T: sparrow bench kernels ($(( $(date +%s) - start )) s)"
  "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx24g ${JAVA_OPTS:-} \
      -jar "$JAR" bench kernels --shape "$SHAPES" --sparsity "$SPARSITY" --batch "$BATCHES" --threads "$T" \
      --json $BENCH_OPTS > "$DEST/sparrow-T$T.jsonl" 2> "$DEST/sparrow-T$T.log"
  echo "   exit $?, $(wc -l < "$DEST/sparrow-T$T.jsonl") rows; $(grep -c . "$DEST/sparrow-T$T.log") log lines"
  grep -E '^# machine|peer|disagrees|error' "$DEST/sparrow-T$T.log" | head -5
  echo "== T=$T: torch_peers.py ($(( $(date +%s) - start )) s)"
  "$PY" "$here/torch_peers.py" --device cpu --threads "$T" --shapes "$SHAPES" --batches "$BATCHES" \
      --sparsities "$SPARSITY" --runs "$TORCH_RUNS" > "$DEST/torch-T$T.jsonl" 2> "$DEST/torch-T$T.log"
  echo "   exit $?, $(wc -l < "$DEST/torch-T$T.jsonl") rows"
done
echo "== joined ($(( $(date +%s) - start )) s)"
"$PY" "$here/bench_vs_torch_join.py" --sparsity "$SPARSITY" --out "$DEST/joined.jsonl" "$DEST"/sparrow-T*.jsonl "$DEST"/torch-T*.jsonl
