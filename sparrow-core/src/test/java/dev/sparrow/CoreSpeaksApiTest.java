package dev.sparrow;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The core speaks API, the CLI speaks flags (issue 11): no string literal in sparrow-core's main sources
 * names a command-line flag such as "--sparsity". A message names the API argument ("sparsity", through
 * {@code util.ArgumentException}) and the CLI's {@code ApiFlags} turns it into the flag.
 */
class CoreSpeaksApiTest {
    /** Flags of the java launcher, not of sparrow: a core message may tell how to start the JVM. */
    private static final Set<String> JVM_FLAGS = Set.of("--add-modules");
    private static final Pattern STRING_LITERAL = Pattern.compile("\"(?:[^\"\\\\\\n]|\\\\.)*\"");
    private static final Pattern FLAG = Pattern.compile("(?<![\\w-])--[a-z][a-z-]*");

    @Test
    void noStringLiteralOfTheCoreNamesAFlag() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> all = Files.walk(Path.of("src/main/java"))) {
            for (Path f : (Iterable<Path>) all.filter(p -> p.toString().endsWith(".java")).sorted()::iterator) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String code = codeOf(lines.get(i));
                    Matcher literal = STRING_LITERAL.matcher(code);
                    while (literal.find()) {
                        Matcher flag = FLAG.matcher(literal.group());
                        while (flag.find()) {
                            if (!JVM_FLAGS.contains(flag.group())) found.add(f + ":" + (i + 1) + ": " + flag.group());
                        }
                    }
                }
            }
        }
        assertThat(found).as("core string literals naming CLI flags; name the API argument instead").isEmpty();
    }

    @Test
    void theCheckFindsAFlagInALiteralAndIgnoresComments() {
        assertThat(FLAG.matcher(codeOf("throw new X(\"--sparsity is \" + s);")).find()).isTrue();
        assertThat(codeOf("// try --lr")).isEmpty();
        assertThat(codeOf(" * see --lr")).isEmpty();
        assertThat(FLAG.matcher("\"x--y\"").find()).isFalse();
    }

    /** A line without its comment: javadoc and block-comment lines ("* ...") and a trailing "// ...". */
    private static String codeOf(String line) {
        String t = line.strip();
        if (t.startsWith("*") || t.startsWith("/*") || t.startsWith("//")) return "";
        int comment = line.indexOf("// ");
        return comment >= 0 && line.lastIndexOf('"') < comment ? line.substring(0, comment) : line;
    }
}
