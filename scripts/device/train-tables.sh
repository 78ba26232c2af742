#!/usr/bin/env bash
# Whole training runs on the lent 16-core Xeon, all in one device call (issues 13 and 15), each run pinned to
# its own cores so the runs that are compared by wall-clock never share a core:
#   cores 0-13  issue 15: gsc-cnn dense and dual-sparse (static 95%, k-WTA 10%), seeds 1-3, and weight-sparse
#               (static 95%, ReLU) seed 1; two threads each; then the noise table (eval --noise) of seed 1's three
#   core 14     issue 13: mlp-wide dense, then SRigL 90% on the masked engine (wall-clock and peak heap)
#   core 15     issue 13: mlp-wide SRigL 90% on the sparse engine
#   PARTS=mlp   issue 13: the MLP accuracy-in-the-same-wall-clock table on cores MLP_CORES..+5 (default 0): dense
#               and SRigL 90% seeds 1-3 for 15 epochs side by side, then SRigL again for as many epochs as fit in
#               the dense runs' mean wall-clock (computed from the first SRigL runs' seconds per epoch)
# PARTS picks the parts (default "gsc wide mlp": then gsc and mlp share cores 0-5; give the mlp part a call of its own)
# Peak heap = the largest heap occupancy after a collection (-Xlog:gc), i.e. the peak live set.
#   JAVA=/opt/sjdk/bin/java JAR=sparrow-cli-all.jar DATA=fashion-mnist-dir OUT=dir bash scripts/device/train-tables.sh
set -uo pipefail
JAVA=${JAVA:?the java of a JDK 25}
JAR=${JAR:?sparrow-cli-all.jar}
DATA=${DATA:?the Fashion-MNIST folder}
OUT=${OUT:?output folder}
GSC_EPOCHS=${GSC_EPOCHS:-5}
WIDE_EPOCHS=${WIDE_EPOCHS:-4}
R=${RUNS:-/tmp/runs}
mkdir -p "$R" "$OUT"
J=("$JAVA" --add-modules jdk.incubator.vector -Xmx6g)

train() { # name cores threads args...
  local name=$1 cores=$2 threads=$3; shift 3
  taskset -c "$cores" "${J[@]}" -Xlog:gc:file="$R/$name.gc" -jar "$JAR" train --data "$DATA" --no-progress \
      --threads "$threads" -o "$R/$name" "$@" > "$R/$name.log" 2>&1
  local heap; heap=$(grep -oE '[0-9]+M->[0-9]+M' "$R/$name.gc" | sed -E 's/.*->([0-9]+)M/\1/' | sort -n | tail -1)
  echo "$name $(grep -oE '"test_accuracy": [0-9.]+' "$R/$name/summary.json" | grep -oE '[0-9.]+$') \
$(grep -oE '"seconds": [0-9.]+' "$R/$name/summary.json" | grep -oE '[0-9.]+$') peak_live_heap_mb=${heap:-?}" \
      | tee -a "$OUT/runs.txt"
}

gsc() {
  local i=0 pids=()
  for seed in 1 2 3; do
    train gsc-dense-s$seed $((2*i)),$((2*i+1)) 2 --model gsc-cnn --seed $seed --epochs "$GSC_EPOCHS" & pids+=($!); i=$((i+1))
    train gsc-dual-s$seed $((2*i)),$((2*i+1)) 2 --model gsc-cnn --method static --sparsity 0.95 --kwta 0.1 \
        --seed $seed --epochs "$GSC_EPOCHS" & pids+=($!); i=$((i+1))
  done
  train gsc-wsparse-s1 12,13 2 --model gsc-cnn --method static --sparsity 0.95 --seed 1 --epochs "$GSC_EPOCHS" & pids+=($!)
  wait "${pids[@]}"
  for m in dense wsparse dual; do
    echo "== noise: gsc-$m-s1" >> "$OUT/noise.txt"
    taskset -c 0-13 "${J[@]}" -jar "$JAR" eval "$R/gsc-$m-s1/checkpoint.safetensors" --noise 0.0,0.1,0.2,0.3,0.4,0.5 \
        --threads 14 --data "$DATA" 2>&1 | grep -v WARN >> "$OUT/noise.txt"
  done
}

wide_masked() {
  train wide-dense 14 1 --model mlp-wide --seed 1 --epochs "$WIDE_EPOCHS"
  train wide-srigl-masked 14 1 --model mlp-wide --method srigl --sparsity 0.9 --engine masked --seed 1 --epochs "$WIDE_EPOCHS"
}

wide_sparse() {
  train wide-srigl-sparse 15 1 --model mlp-wide --method srigl --sparsity 0.9 --engine sparse --seed 1 --epochs "$WIDE_EPOCHS"
}

mlp_table() { # on cores $1 .. $1+5: the three seeds side by side
  local c=$1 pids=() epochs
  for seed in 1 2 3; do
    train mlp-dense-s$seed $((c + seed - 1)) 1 --model mlp --seed $seed --epochs 15 & pids+=($!)
    train mlp-srigl-s$seed $((c + seed + 2)) 1 --model mlp --method srigl --sparsity 0.9 --seed $seed --epochs 15 & pids+=($!)
  done
  wait "${pids[@]}"
  epochs=$(awk '/^mlp-dense-s/ {d+=$3; nd++} /^mlp-srigl-s/ {s+=$3; ns++} END {printf "%d", 15 * (d/nd) / (s/ns)}' "$OUT/runs.txt")
  echo "same wall-clock: SRigL gets $epochs epochs" | tee -a "$OUT/runs.txt"
  pids=()
  for seed in 1 2 3; do
    train mlp-srigl-budget-s$seed $((c + seed - 1)) 1 --model mlp --method srigl --sparsity 0.9 --seed $seed --epochs "$epochs" & pids+=($!)
  done
  wait "${pids[@]}"
}

lscpu | grep -E 'Model name|^CPU\(s\)' > "$OUT/machine.txt"
pids=()
for part in ${PARTS:-gsc wide mlp}; do
  case $part in
    gsc) gsc & pids+=($!) ;;
    wide) wide_masked & pids+=($!); wide_sparse & pids+=($!) ;;
    mlp) mlp_table "${MLP_CORES:-0}" & pids+=($!) ;;   # cores 0-5: alone, or after gsc (PARTS="gsc wide" first)
  esac
done
wait "${pids[@]}"
for f in "$R"/*.log; do echo "== $f"; grep -vE 'WARN|^  epoch' "$f" | tail -4; done > "$OUT/logs.txt" 2>&1
