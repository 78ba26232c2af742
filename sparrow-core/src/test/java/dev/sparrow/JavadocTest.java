package dev.sparrow;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.spi.ToolProvider;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API documentation builds without errors (HTML, references), run through the JDK's own javadoc tool
 * so that CI checks it offline with no Maven plugin.
 */
class JavadocTest {

    @Test
    void javadocOfTheCoreHasNoErrors(@TempDir Path out) {
        ToolProvider javadoc = ToolProvider.findFirst("javadoc").orElseThrow(() -> new AssertionError("no javadoc tool in this JDK"));
        StringWriter log = new StringWriter();
        PrintWriter w = new PrintWriter(log, true);
        int rc = javadoc.run(w, w, "--add-modules", "jdk.incubator.vector", "-quiet", "-Xdoclint:all,-missing",
                "-d", out.toString(), "-sourcepath", "src/main/java", "-subpackages", "dev.sparrow");
        assertThat(rc).as(log.toString()).isZero();
        assertThat(log.toString()).doesNotContain("error:");
    }
}
