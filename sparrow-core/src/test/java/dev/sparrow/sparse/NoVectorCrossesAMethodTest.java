package dev.sparrow.sparse;

import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Executable;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No method of ours takes or returns a vector, a mask or a shuffle. C2 keeps a vector in registers only
 * while every method it passes through is inlined; whether a helper is inlined depends on what ran
 * before (a helper that C2 has already compiled on its own into more than InlineSmallCode bytes is
 * refused as "already compiled into a big method"), and a vector handed to a helper that is not inlined
 * is boxed on every call. That is how the 512-bit condensed batch-1 kernel allocated 8 KB per call in a
 * full test run and nothing when its test ran alone. So vectors live and die inside one kernel method,
 * and this test keeps it so for every class of sparrow-core.
 */
class NoVectorCrossesAMethodTest {
    @Test
    void noMethodOfSparrowCoreTakesOrReturnsAVector() throws Exception {
        Path classes = Path.of(SparseKernels.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> offenders = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                String name = classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                if (name.endsWith("module-info") || name.endsWith("package-info")) continue;
                Class<?> c = Class.forName(name, false, SparseKernels.class.getClassLoader());
                List<Executable> all = new ArrayList<>(List.of(c.getDeclaredMethods()));
                all.addAll(List.of(c.getDeclaredConstructors()));
                for (Executable e : all) {
                    checked++;
                    List<Class<?>> types = new ArrayList<>(List.of(e.getParameterTypes()));
                    if (e instanceof java.lang.reflect.Method m) types.add(m.getReturnType());
                    for (Class<?> t : types) {
                        if (isVectorType(t)) offenders.add(c.getName() + "." + e.getName() + " (" + t.getSimpleName() + ")");
                    }
                }
            }
        }
        assertThat(checked).as("methods checked under %s", classes).isGreaterThan(500);
        assertThat(offenders).as("methods that take or return a vector (box it whenever C2 does not inline them)")
                .isEmpty();
    }

    private static boolean isVectorType(Class<?> t) {
        return Vector.class.isAssignableFrom(t) || VectorMask.class.isAssignableFrom(t)
                || VectorShuffle.class.isAssignableFrom(t);
    }
}
