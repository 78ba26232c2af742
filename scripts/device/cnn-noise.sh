#!/usr/bin/env bash
# The CNN at 90% SRigL with k-WTA (10% winners) in its dense layers, then Numenta's noise table for it
# beside the dense CNN and the SRigL-only CNN (checkpoints given as arguments or in .device-ckpt/).
#   JAVA=... DATA=... bash scripts/device/cnn-noise.sh OUTDIR [dense.safetensors srigl.safetensors]
set -uo pipefail
JAVA=${JAVA:-.device-jdk/bin/java}
JAR=sparrow-cli/target/sparrow-cli-all.jar
DATA=${DATA:?set DATA to the Fashion-MNIST folder}
OUTDIR=${1:-runs/cnn-noise}
DENSE=${2:-.device-ckpt/cnn-dense.safetensors}
SRIGL=${3:-.device-ckpt/cnn-srigl.safetensors}
THREADS=${THREADS:-$(nproc)}
S=(--add-modules jdk.incubator.vector -jar "$JAR")
mkdir -p "$OUTDIR"
"$JAVA" "${S[@]}" train --model cnn --kwta 0.1 --method srigl --sparsity 0.9 --epochs "${EPOCHS:-12}" --seed 42 \
    --threads "$THREADS" --data "$DATA" --no-progress -o "$OUTDIR/cnn-srigl-kwta" 2>&1 | grep -v -E 'WARN|  epoch'
LEVELS=0.0,0.1,0.2,0.3,0.4,0.5
for ck in "$DENSE" "$SRIGL" "$OUTDIR/cnn-srigl-kwta/checkpoint.safetensors"; do
  echo "== noise: $ck"
  "$JAVA" "${S[@]}" eval "$ck" --noise "$LEVELS" --threads "$THREADS" --data "$DATA" --json 2>&1 | grep -v WARN
done
