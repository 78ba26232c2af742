#!/usr/bin/env bash
# Issue 13 on the lent machine's CPU: Sparrow's training step (dense, masked and sparse engines, `sparrow bench
# train --json`) beside PyTorch's dense step of the same MLP (torch_train_step.py), same batch and threads, one
# command. Needs (carried, ignored paths): a JDK 25 runtime (.device-jdk-s or .device-jdk; copied to /opt/sjdk) and
# the CLI jar sparrow-cli/target/sparrow-cli-all.jar.
#   device run: bash scripts/device/train-vs-torch.sh   (carry .device-jdk-s, sparrow-cli/target/sparrow-cli-all.jar)
# Knobs: MODELS ("mlp-wide"), SPARSITIES ("0.9 0.98"), THREADS ("1 16"), BATCH (128), METHOD (srigl).
# Writes $OUT/train-vs-torch.jsonl (one line per engine or peer, tagged with model, sparsity, threads).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
MODELS=${MODELS:-mlp-wide}; SPARSITIES=${SPARSITIES:-0.9 0.98}; THREADS=${THREADS:-1 16}
BATCH=${BATCH:-128}; METHOD=${METHOD:-srigl}
DEST=${OUT:-/tmp/train-vs-torch}; mkdir -p "$DEST"
JAR=${JAR:-sparrow-cli/target/sparrow-cli-all.jar}
if [ -z "${JAVA:-}" ]; then
  if [ -x /opt/sjdk/bin/java ]; then JAVA=/opt/sjdk/bin/java
  else
    for j in .device-jdk-s .device-jdk; do
      [ -d $j ] && { rm -rf /opt/sjdk && cp -r $j /opt/sjdk && chmod -R u+x /opt/sjdk/bin /opt/sjdk/lib; JAVA=/opt/sjdk/bin/java; break; }
    done
  fi
fi
"${JAVA:?no Java 25 carried}" -version >/dev/null 2>&1 || { echo "train-vs-torch: no Java 25 (carry .device-jdk-s)" >&2; exit 1; }
[ -f "$JAR" ] || { echo "train-vs-torch: $JAR missing (carry it: ./mvnw -pl sparrow-cli -am package)" >&2; exit 1; }
PY=python3; [ -x /opt/torch/.venv/bin/python3 ] && PY=/opt/torch/.venv/bin/python3
lscpu | grep -E 'Model name|^CPU\(s\)'; grep -o -m1 avx512f /proc/cpuinfo || echo "no avx512f"
J="$JAVA --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx16g"
out="$DEST/train-vs-torch.jsonl"; : > "$out"
for M in $MODELS; do for T in $THREADS; do
  "$PY" "$here/torch_train_step.py" --model "$M" --batch "$BATCH" --threads "$T" | tee -a "$out"
  for S in $SPARSITIES; do
    $J -jar "$JAR" bench train --model "$M" --method "$METHOD" --sparsity "$S" --batch "$BATCH" --threads "$T" \
        --json ${BENCH_OPTS:-} 2> "$DEST/sparrow-$M-$S-T$T.log" | tee -a "$out"
  done
done; done
# sparse engine vs PyTorch's dense step, same model and threads
"$PY" - "$out" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
torch = {(r["model"], r["threads"]): r["median_ms"] for r in rows if r.get("peer") == "torch"}
for r in rows:
    if r.get("engine") in ("dense", "sparse"):
        t = torch.get((r["model"], r["threads"]))
        if t:
            print(f'{r["model"]} {r["engine"]:6s} sparsity {r["sparsity"]} threads {r["threads"]}: '
                  f'{r["median_ms"]} ms, torch dense {t} ms -> {t / r["median_ms"]:.2f}x vs torch')
PYEOF
