#!/usr/bin/env bash
# `sparrow bench kernels` with two builds side by side on the lent machine's CPU, then awkward shapes.
# Carry .device-jars (old/ and new/ sparrow-cli-all.jar) and, on a cold machine, .device-jdk.
# Knobs: SHAPES, BATCHES, ODD_SHAPES, ODD_BATCHES, RESIDENCY, THREADS, BUILDS ("old new"), BENCH_OPTS.
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x /opt/sjdk/bin/java ]; then rm -rf /opt/sjdk && cp -r .device-jdk /opt/sjdk && chmod -R u+x /opt/sjdk/bin /opt/sjdk/lib; fi
J=/opt/sjdk/bin/java
D=${OUT:-/tmp/bench}; mkdir -p "$D"
SHAPES=${SHAPES:-768x3072,3072x768,4096x4096}
BATCHES=${BATCHES:-1,256}
ODD_SHAPES=${ODD_SHAPES:-}
ODD_BATCHES=${ODD_BATCHES:-3,7,64}
RESIDENCY=${RESIDENCY:-streamed}
THREADS=${THREADS:-1}
BUILDS=${BUILDS:-old new}
start=$(date +%s)
bench() { # build, label, shapes, batches
  "$J" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx24g ${JAVA_OPTS:-} \
    -jar ".device-jars/$1/sparrow-cli-all.jar" bench kernels --shape "$3" --batch "$4" --threads "$THREADS" \
    --residency "$RESIDENCY" --json ${BENCH_OPTS---quick} > "$D/$2.jsonl" 2> "$D/$2.log"
  echo "$2: exit $?, $(wc -l < "$D/$2.jsonl") rows, $(( $(date +%s) - start )) s"
}
for b in $BUILDS; do bench "$b" "$b-T$THREADS" "$SHAPES" "$BATCHES"; done
[ -n "$ODD_SHAPES" ] && bench new "odd-T$THREADS" "$ODD_SHAPES" "$ODD_BATCHES"
exit 0
