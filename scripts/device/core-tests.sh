#!/usr/bin/env bash
# Runs sparrow-core's test suite on the lent machine's CPU (AVX-512: the Vector API kernels at their
# native 512 bits), as surefire runs it here: one JVM, the same flags. Carry .device-jdk and
# .device-bundle/tests (classes, test-classes, assertj, JUnit's console launcher; see docs/benchmarks.md).
# Writes the console report and per-run logs to $OUT. Extra JVM flags: JAVA_OPTS.
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x /opt/sjdk/bin/java ]; then rm -rf /opt/sjdk && cp -r .device-jdk /opt/sjdk && chmod -R u+x /opt/sjdk/bin /opt/sjdk/lib; fi
J=/opt/sjdk/bin/java
t=.device-bundle/tests
cp="$t/classes:$t/test-classes:$(ls $t/lib/*.jar | tr '\n' ':')"
grep -o -m1 avx512f /proc/cpuinfo; lscpu | grep -E 'Model name|^CPU\(s\)'
run() { # name, extra flags
  local name=$1; shift
  local start=$(date +%s)
  "$J" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx4g ${JAVA_OPTS:-} "$@" \
     -jar $t/junit-platform-console-standalone-*.jar execute --class-path "$cp" --scan-class-path "$t/test-classes" \
     --details=summary --disable-banner > "${OUT:-/tmp}/$name.log" 2>&1
  echo "$name: exit $? in $(( $(date +%s) - start )) s; $(grep -E 'tests (successful|failed)' "${OUT:-/tmp}/$name.log" | tr -s ' ' | tr '\n' ' ')"
  grep -E 'allocation: .*vector|MethodSource|=> ' "${OUT:-/tmp}/$name.log" | head -30
}
for i in ${RUNS:-1}; do run "core-512-run$i"; done
[ -n "${ALSO_256:-}" ] && run core-256 -Dsparrow.sparse.vectorBits=256 -XX:MaxVectorSize=32
exit 0
