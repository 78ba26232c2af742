package dev.sparrow;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package arrows of sparrow-core point one way, as docs/architecture.md draws them: every reference from
 * one top-level package to another (an import or a qualified name in main code) must be in this table, and
 * the table itself has no cycle. A new arrow means editing the table here and the one in the docs together.
 */
class PackageArrowsTest {
    /** Which packages each top-level package of dev.sparrow may use (its own subpackages always). */
    private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("tensor", Set.of()),
            Map.entry("util", Set.of()),
            Map.entry("kernel", Set.of("tensor")),
            Map.entry("graph", Set.of("tensor")),
            Map.entry("nn", Set.of("tensor", "kernel", "sparse")),
            Map.entry("optim", Set.of("tensor", "kernel", "nn")),
            Map.entry("data", Set.of("tensor")),
            Map.entry("io", Set.of("tensor", "kernel", "nn", "util")),
            Map.entry("sparse", Set.of("tensor", "kernel")),
            Map.entry("sparsity", Set.of("tensor", "kernel", "nn", "optim", "util", "sparse")),
            Map.entry("train", Set.of("tensor", "kernel", "nn", "optim", "data", "util", "io", "sparse", "sparsity", "measure")),
            Map.entry("measure", Set.of("tensor", "kernel", "sparse")),
            Map.entry("infer", Set.of("tensor", "graph", "kernel", "nn", "util", "io", "sparse", "measure")));

    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.sparrow\\.([a-z]+)\\b");

    @Test
    void everyReferenceBetweenPackagesIsAnArrowOfTheTable() throws IOException {
        Path root = Path.of("src/main/java/dev/sparrow");
        assertThat(root).as("sparrow-core's main sources (the test runs in the module folder)").isDirectory();
        List<String> wrong = new ArrayList<>();
        Map<String, Set<String>> used = new TreeMap<>();
        int files = 0;
        try (Stream<Path> all = Files.walk(root)) {
            for (Path f : (Iterable<Path>) all.filter(p -> p.toString().endsWith(".java"))::iterator) {
                files++;
                String from = root.relativize(f).getName(0).toString();
                if (from.endsWith(".java")) continue; // a file directly in dev.sparrow, if one ever appears
                Matcher m = REFERENCE.matcher(Files.readString(f));
                while (m.find()) {
                    String to = m.group(1);
                    if (to.equals(from)) continue;
                    used.computeIfAbsent(from, k -> new TreeSet<>()).add(to);
                    if (!ALLOWED.getOrDefault(from, Set.of()).contains(to)) {
                        wrong.add(root.relativize(f) + " uses dev.sparrow." + to + " (" + from + " may use "
                                + new TreeSet<>(ALLOWED.getOrDefault(from, Set.of())) + ")");
                    }
                }
            }
        }
        assertThat(files).as("Java files under %s", root).isGreaterThan(100);
        assertThat(ALLOWED.keySet()).as("packages of the table vs packages in the tree").containsAll(used.keySet());
        assertThat(wrong).as("references against the package arrows").isEmpty();
    }

    @Test
    void theTableHasNoCycle() {
        for (String start : ALLOWED.keySet()) {
            assertThat(reaches(start, start, new TreeSet<>())).as("a cycle through %s", start).isFalse();
        }
    }

    /** Whether target is reachable from the packages from may use. */
    private static boolean reaches(String from, String target, Set<String> seen) {
        for (String next : ALLOWED.getOrDefault(from, Set.of())) {
            if (next.equals(target)) return true;
            if (seen.add(next) && reaches(next, target, seen)) return true;
        }
        return false;
    }
}
