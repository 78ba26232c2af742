#!/usr/bin/env bash
# InferenceSessionTest alone on the lent machine's CPU, with the default batch-1 condensed kernel (JIT log of
# it in $OUT/jit-condensed.log) and with the hybrid one. Carry .device-jdk and .device-bundle.
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x /opt/sjdk/bin/java ]; then rm -rf /opt/sjdk && cp -r .device-jdk /opt/sjdk && chmod -R u+x /opt/sjdk/bin /opt/sjdk/lib; fi
t=.device-bundle/tests
cp="$t/classes:$t/test-classes:$(ls $t/lib/*.jar | tr '\n' ':')"
for v in gather hybrid; do
  extra=""; [ $v = gather ] && extra="-XX:+UnlockDiagnosticVMOptions -XX:+PrintCompilation -XX:+PrintInlining"
  /opt/sjdk/bin/java --add-modules jdk.incubator.vector -Xmx4g -Dsparrow.sparse.condensedGemv=$v $extra \
    -jar $t/junit-platform-console-standalone-*.jar execute --class-path "$cp" \
    --select-method dev.sparrow.infer.InferenceSessionTest#vectorSparseKernelsAllocateNothing_seed13 \
    --details=summary --disable-banner > "${OUT:-/tmp}/probe-$v.log" 2>&1
  echo "$v: exit $?"; grep -E "^allocation: (condensed|csr)" "${OUT:-/tmp}/probe-$v.log"
done
grep -nE "condensedGemvGather|VectorGemvKernels::widen|failed to inline|intrinsic|not inline" "${OUT:-/tmp}/probe-gather.log" | grep -iE "condensedGemvGather|widen|fail|intrinsic" | head -60 > "${OUT:-/tmp}/jit-condensed.log"
grep -c . "${OUT:-/tmp}/jit-condensed.log"
exit 0
