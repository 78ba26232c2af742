#!/usr/bin/env bash
# Three seeds of dense, static, SET, RigL, SRigL (gamma_sal 0.3 and 0.95) on the MLP at 90% (ERK),
# 15 epochs, one thread per run, all runs side by side. Prints one line per run and a mean per method.
set -uo pipefail
JAVA=${JAVA:-.device-jdk/bin/java}
JAR=sparrow-cli/target/sparrow-cli-all.jar
DATA=${DATA:?set DATA to the Fashion-MNIST folder}
OUTDIR=${OUTDIR:-runs/mlp-seeds}
PAR=${PAR:-$(nproc)}
mkdir -p "$OUTDIR"
jobs() {
  for seed in 1 2 3; do
    echo "dense-s$seed $seed"
    for m in static set rigl srigl; do echo "$m-s$seed $seed --method $m --sparsity 0.9"; done
    echo "srigl95-s$seed $seed --method srigl --sparsity 0.9 --gamma-sal 0.95"
  done
}
run_one() {
  name=$1 seed=$2; shift 2
  "$JAVA" --add-modules jdk.incubator.vector -jar "$JAR" train --model mlp --epochs 15 --threads 1 --seed "$seed" \
      --data "$DATA" --no-progress -o "$OUTDIR/$name" "$@" > "$OUTDIR/$name.log" 2>&1
  echo "$name $(grep -oE 'Test accuracy: [0-9.]+%.*' "$OUTDIR/$name.log")"
}
export -f run_one; export JAVA JAR DATA OUTDIR
jobs | xargs -P "$PAR" -L 1 bash -c 'run_one "$@"' _ | sort | tee "$OUTDIR/runs.txt"
awk '{split($1,a,"-s"); gsub("%","",$4); s[a[1]]+=$4; n[a[1]]++} END {for (m in s) printf "%-8s mean of %d seeds: %.2f%%\n", m, n[m], s[m]/n[m]}' "$OUTDIR/runs.txt" | sort
