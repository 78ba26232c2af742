#!/usr/bin/env bash
# Sparrow's ONNX and PyTorch interop checked in both directions with Python's torch and onnxruntime
# (check_interop.py does the work; this finds Java, the CLI jar and Python):
#   torch -> Sparrow: each zoo model (mlp, lenet5, cnn, resnet, mlp-kwta, cnn-kwta) built in torch.nn with random
#     weights and batch-norm statistics, some layers pruned 90% with torch.nn.utils.prune (one kept as
#     weight_orig / weight_mask), saved as a safetensors state dict and read by `sparrow import`;
#   Sparrow -> ONNX / torch: `sparrow export --format onnx` and `--format torch` of that checkpoint, with
#     Sparrow's own outputs on random inputs (the hidden --write-sample); Python's onnxruntime on the .onnx, the
#     torch module built from the exported state dict (docs/interop.md's builder) and the original torch module
#     each run those inputs, and every output must match Sparrow's within 1e-4 (max relative error).
# Needs (carried, ignored paths): .device-jdk and sparrow-cli/target/sparrow-cli-all.jar
# (./mvnw -pl sparrow-cli -am package); torch, onnxruntime, safetensors and numpy in Python.
#   device run: bash scripts/device/check-interop.sh   (carry .device-jdk, sparrow-cli/target/sparrow-cli-all.jar)
# Writes its files to $OUT (or /tmp/check-interop); exit 0 when every check passes. About a minute.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
DEST=${OUT:-/tmp/check-interop}
JAR=${JAR:-sparrow-cli/target/sparrow-cli-all.jar}
mkdir -p "$DEST"
if [ -z "${JAVA:-}" ]; then
  if [ -x /opt/sjdk/bin/java ]; then JAVA=/opt/sjdk/bin/java
  elif [ -x .device-jdk/bin/java ]; then JAVA=.device-jdk/bin/java
  elif [ -d .device-jdk ]; then
    rm -rf /opt/sjdk && cp -r .device-jdk /opt/sjdk && chmod -R u+x /opt/sjdk/bin /opt/sjdk/lib && JAVA=/opt/sjdk/bin/java
  elif [ -n "${JAVA_HOME:-}" ]; then JAVA=$JAVA_HOME/bin/java
  fi
fi
[ -n "${JAVA:-}" ] && "$JAVA" -version >/dev/null 2>&1 || { echo "check-interop: no Java 25 (carry .device-jdk or set JAVA)" >&2; exit 1; }
[ -f "$JAR" ] || { echo "check-interop: $JAR missing (carry it: ./mvnw -pl sparrow-cli -am package)" >&2; exit 1; }
PY=python3; [ -x /opt/torch/.venv/bin/python3 ] && PY=/opt/torch/.venv/bin/python3
"$PY" -c 'import torch, onnxruntime, safetensors, numpy; print("torch", torch.__version__, "| onnxruntime", onnxruntime.__version__)' \
  || { echo "check-interop: Python needs torch, onnxruntime, safetensors and numpy" >&2; exit 1; }
SPARROW="$JAVA --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar $JAR" \
  "$PY" "$here/check_interop.py" "$DEST" ${MODELS:-}
