#!/usr/bin/env bash
# Checks that `./mvnw install` makes dev.sparrow:sparrow-core usable from another Maven project (issue 11):
# installs sparrow-core (and its parent POM) into a temporary local repository, never into ~/.m2, then builds a
# throwaway project that depends on dev.sparrow:sparrow-core and whose Main is the README's Java API example,
# and runs it on a generated flowers.csv.
#
# Offline by default: plugins and the throwaway project's compiler are read from ~/.m2/repository as a read-only
# tail (Maven 3.9's maven.repo.local.tail); everything installed goes to the temporary repository.
#   SPARROW_M2_TAIL=DIR   another repository to read plugins from (default ~/.m2/repository)
#   SPARROW_ONLINE=1      let Maven download what the tail lacks
#   KEEP=1                keep the temporary folder and say where it is
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# the JDK 25 that ./mvnw and ./sparrow use, also where the default java is older
. "$root/.mvn/find-jdk25.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/sparrow-check-install.XXXXXX")
if [[ "${KEEP:-0}" == 1 ]]; then echo "keeping $work"; else trap 'rm -rf "$work"' EXIT; fi
repo="$work/repo"
tail="${SPARROW_M2_TAIL:-$HOME/.m2/repository}"
offline=(-o)
[[ "${SPARROW_ONLINE:-0}" == 1 ]] && offline=()
maven=("$root/mvnw" -B -q "${offline[@]}" -Dmaven.repo.local="$repo" -Dmaven.repo.local.tail="$tail")

# the compiler plugin the build itself uses, so an offline tail has it
compiler=$(grep -A1 '<artifactId>maven-compiler-plugin</artifactId>' "$root/pom.xml" | sed -n 's:.*<version>\(.*\)</version>.*:\1:p' | head -1)
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$root/pom.xml" | head -1)
echo "== installing dev.sparrow:sparrow-core:$version into $repo"
(cd "$root" && "${maven[@]}" install -pl sparrow-core -am -DskipTests -Dmaven.javadoc.skip=true)
jar="$repo/dev/sparrow/sparrow-core/$version/sparrow-core-$version.jar"
[[ -f "$jar" ]] || { echo "FAIL: $jar was not installed" >&2; exit 1; }
[[ -f "$repo/dev/sparrow/sparrow-parent/$version/sparrow-parent-$version.pom" ]] \
    || { echo "FAIL: the parent POM was not installed; another project could not resolve sparrow-core's POM" >&2; exit 1; }
if [[ -d "$HOME/.m2/repository/dev/sparrow/sparrow-core/$version" && "$HOME/.m2/repository/dev/sparrow/sparrow-core/$version" -nt "$work" ]]; then
    echo "FAIL: something was installed into ~/.m2" >&2; exit 1
fi

unzip -p "$jar" META-INF/MANIFEST.MF | grep -q "^Automatic-Module-Name: dev.sparrow.core" \
    || { echo "FAIL: $jar has no Automatic-Module-Name" >&2; exit 1; }

echo "== building a throwaway project that depends on it"
app="$work/app"
mkdir -p "$app/src/main/java/example"
cat > "$app/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>flowers</artifactId>
  <version>1.0</version>
  <properties>
    <maven.compiler.release>25</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency>
      <groupId>dev.sparrow</groupId>
      <artifactId>sparrow-core</artifactId>
      <version>$version</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>$compiler</version>
      </plugin>
    </plugins>
  </build>
</project>
POM
# the README's ```java block, whole, as the body of main
example=$(awk '/^```java$/ {on = 1; next} on && /^```$/ {exit} on' "$root/README.md")
[[ -n "$example" ]] || { echo "FAIL: README.md has no \`\`\`java block" >&2; exit 1; }
{
    cat <<'JAVA'
package example;

import dev.sparrow.data.CsvData;
import dev.sparrow.data.Dataset;
import dev.sparrow.infer.InferenceSession;
import dev.sparrow.infer.Prediction;
import dev.sparrow.sparsity.Sparsity;
import dev.sparrow.train.EpochResult;
import dev.sparrow.train.SparseTrainer;
import dev.sparrow.train.TrainListener;
import dev.sparrow.train.TrainingRun;

import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

public class Main {
    public static void main(String[] args) throws Exception {
JAVA
    printf '%s\n' "$example" | sed 's/^/        /'
    printf '    }\n}\n'
} > "$app/src/main/java/example/Main.java"
(cd "$app" && "${maven[@]}" compile)

echo "== running the README example against the installed jar"
awk 'BEGIN { srand(11); print "petal,sepal,species";
             for (i = 0; i < 300; i++) { large = i % 2 == 0;
                 printf "%.2f,%.2f,%s\n", (large ? 6 : 2) + rand(), (large ? 3 : 1) + rand(), large ? "large" : "small" } }' \
    > "$app/flowers.csv"
java_bin="$JAVA_HOME/bin/java"
out=$(cd "$app" && "$java_bin" --add-modules jdk.incubator.vector -cp "target/classes:$jar" example.Main 2>&1) \
    || { printf '%s\n' "$out" >&2; echo "FAIL: the example did not run" >&2; exit 1; }
printf '%s\n' "$out" | grep -v "^WARNING: Using incubator modules"
printf '%s\n' "$out" | grep -q "^test accuracy" || { echo "FAIL: no test accuracy printed" >&2; exit 1; }
printf '%s\n' "$out" | grep -Eq "^(large|small) [0-9.]+$" || { echo "FAIL: no prediction printed" >&2; exit 1; }
echo "OK: dev.sparrow:sparrow-core:$version installs, resolves from another project and runs the README example"
