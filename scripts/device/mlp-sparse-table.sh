#!/usr/bin/env bash
# The sparse-training table of the MLP (784-300-100-10, every layer sparse under ERK) on Fashion-MNIST:
# static, set, rigl, srigl, gmp at 80/90/95/98% and N:M 2:4 and 1:4, plus dense, same epochs and seed.
# Runs the jobs in parallel, one thread each (each run is bit-for-bit what a 1-thread run gives anywhere).
# Needs a JDK 25 ($JAVA, default .device-jdk/bin/java), the CLI jar and the data folder ($DATA).
set -uo pipefail
JAVA=${JAVA:-.device-jdk/bin/java}
JAR=sparrow-cli/target/sparrow-cli-all.jar
DATA=${DATA:?set DATA to the Fashion-MNIST folder}
OUTDIR=${OUTDIR:-runs/mlp-table}
EPOCHS=${EPOCHS:-15}
PAR=${PAR:-$(nproc)}
mkdir -p "$OUTDIR"
jobs() {
  echo "dense dense -"
  for m in static set rigl srigl gmp; do for s in 0.8 0.9 0.95 0.98; do echo "$m-$s $m $s"; done; done
  echo "nm2-4 nm:2:4 -"
  echo "nm1-4 nm:1:4 -"
}
run_one() {
  name=$1 method=$2 s=$3
  args=(train --model mlp --epochs "$EPOCHS" --threads 1 --seed 42 --data "$DATA" --no-progress -o "$OUTDIR/$name")
  [ "$method" != dense ] && args+=(--method "$method")
  [ "$s" != - ] && args+=(--sparsity "$s")
  "$JAVA" --add-modules jdk.incubator.vector -jar "$JAR" "${args[@]}" > "$OUTDIR/$name.log" 2>&1
  echo "$name: $(grep -E '^Test accuracy' "$OUTDIR/$name.log")"
}
export -f run_one; export JAVA JAR DATA OUTDIR EPOCHS
jobs | xargs -P "$PAR" -L 1 bash -c 'run_one "$@"' _
echo "method,sparsity_target,test_accuracy,train_seconds" > "$OUTDIR/table.csv"
for d in "$OUTDIR"/*/; do
  n=$(basename "$d"); s="$d/summary.json"
  [ -f "$s" ] || { echo "$n,missing" >> "$OUTDIR/table.csv"; continue; }
  python3 - "$n" "$s" >> "$OUTDIR/table.csv" <<'PY'
import json, sys
s = json.load(open(sys.argv[2]))
print(f"{sys.argv[1]},{s['config'].get('sparsity', {}).get('sparsity', 0)},{s['test_accuracy']:.4f},{s['seconds']:.1f}")
PY
done
cat "$OUTDIR/table.csv"
