# Sourced by ./mvnw and ./sparrow: points JAVA_HOME at a JDK 25 or newer, because the default `java`
# on our machines is JDK 17 and Sparrow needs the Vector API of JDK 25.
# Looks at $JAVA_HOME, then `java` on PATH, then /usr/lib/jvm/*, then /opt/*/ and ~/.jdks/*.
sparrow_java_feature() { # prints the feature release (17, 25, ...) of the java binary $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}
sparrow_find_jdk25() {
  set +f # mvnw runs with globbing off; the search needs it
  for candidate in "${JAVA_HOME:-}" \
      "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")" 2>/dev/null)" \
      /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25* /usr/lib/jvm/* /opt/*jdk* "$HOME"/.jdks/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    feature=$(sparrow_java_feature "$candidate/bin/java")
    if [ -n "$feature" ] && [ "$feature" -ge 25 ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}
if SPARROW_JDK=$(sparrow_find_jdk25); then
  JAVA_HOME=$SPARROW_JDK
  export JAVA_HOME
else
  echo "sparrow: no JDK 25 found. Looked at \$JAVA_HOME, java on PATH and /usr/lib/jvm/*." >&2
  echo "sparrow: install one (e.g. Temurin 25: apt-get install temurin-25-jdk from Adoptium's repository)" >&2
  echo "sparrow: and set JAVA_HOME to it, then run this command again." >&2
  exit 1
fi
