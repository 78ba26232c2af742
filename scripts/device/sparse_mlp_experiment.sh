# The sparse-training table of docs/sparse-training.md, 10 runs in parallel on the lent machine's CPU.
# Needs (carried, ignored paths): .device-jdk (a jlink'd JDK 25 with jdk.incubator.vector),
# .device-data/*-ubyte.xz (Fashion-MNIST), sparrow-core/target/classes and target/test-classes.
# Not run there yet: the numbers in the doc come from this machine, one run after another.
set -e
mkdir -p /tmp/d /tmp/logs
for f in .device-data/*-ubyte.xz; do xz -dc $f > /tmp/d/$(basename $f .xz); done
J=.device-jdk/bin/java
CP=sparrow-core/target/classes:sparrow-core/target/test-classes
export SPARROW_DATA=/tmp/d
nproc
r(){ name=$1; shift; $J --add-modules jdk.incubator.vector -cp $CP dev.sparrow.sparsity.SparseMlpExperiment "$@" > /tmp/logs/$name.log 2>&1 || echo "FAILED $name" >> /tmp/logs/$name.log; }
E=10
r dense dense 0.9 $E 1 /tmp/r/dense &
r static90 static 0.9 $E 1 /tmp/r/static90 &
r set90 set 0.9 $E 1 /tmp/r/set90 &
r rigl90 rigl 0.9 $E 1 /tmp/r/rigl90 &
r srigl90g03 srigl 0.9 $E 1 /tmp/r/srigl90g03 0.3 true &
r srigl90g95 srigl 0.9 $E 1 /tmp/r/srigl90g95 0.95 true &
r srigl90noabl srigl 0.9 $E 1 /tmp/r/srigl90noabl 0.3 false &
r static98 static 0.98 $E 1 /tmp/r/static98 &
r rigl98 rigl 0.98 $E 1 /tmp/r/rigl98 &
r srigl98g95 srigl 0.98 $E 1 /tmp/r/srigl98g95 0.95 true &
wait
cat /tmp/logs/*.log > $OUT/all.log
grep -h RESULT /tmp/logs/*.log > $OUT/results.txt || true
cat $OUT/results.txt
