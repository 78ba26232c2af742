#!/usr/bin/env bash
# Several `sparrow bench kernels --json` runs on the lent machine's CPU, one after another, each a line of
# $VARIANTS (default: scripts/device/variants.txt):  label | build | JVM flags | shapes | batches | formats
# (build: a folder under .device-jars holding sparrow-cli-all.jar; empty formats = the default set).
# Carry .device-jars and, on a cold machine, .device-jdk. Output: $OUT/<label>.jsonl and .log.
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x /opt/sjdk/bin/java ]; then rm -rf /opt/sjdk && cp -r .device-jdk /opt/sjdk && chmod -R u+x /opt/sjdk/bin /opt/sjdk/lib; fi
J=/opt/sjdk/bin/java
D=${OUT:-/tmp/bench}; mkdir -p "$D"
start=$(date +%s)
while IFS='|' read -r label build flags shapes batches formats; do
  label=$(echo $label); build=$(echo $build); shapes=$(echo $shapes); batches=$(echo $batches); formats=$(echo $formats)
  case "$label" in ''|'#'*) continue;; esac
  # shellcheck disable=SC2086
  "$J" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx24g $flags \
    -jar ".device-jars/$build/sparrow-cli-all.jar" bench kernels --shape "$shapes" --batch "$batches" \
    --threads "${THREADS:-1}" --residency "${RESIDENCY:-streamed}" ${formats:+--formats "$formats"} --json \
    ${BENCH_OPTS---quick} > "$D/$label.jsonl" 2> "$D/$label.log" < /dev/null
  echo "$label: exit $?, $(wc -l < "$D/$label.jsonl") rows, $(( $(date +%s) - start )) s"
done < "${VARIANTS:-scripts/device/variants.txt}"
exit 0
