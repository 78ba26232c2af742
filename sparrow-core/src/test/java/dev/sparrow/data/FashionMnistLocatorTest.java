package dev.sparrow.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FashionMnistLocatorTest {
    @TempDir
    Path root;

    private static final Downloader NO_NETWORK = (source, target) -> {
        throw new IOException("network is unreachable (test)");
    };

    private static final Downloader MUST_NOT_DOWNLOAD = (source, target) -> {
        throw new AssertionError("no download expected, asked for " + source);
    };

    /** Fills dir with the four files (content irrelevant to lookup); plain names when gz is false. */
    private static Path complete(Path dir, boolean gz) throws IOException {
        Files.createDirectories(dir);
        for (FashionMnist.FileSpec f : FashionMnist.FILES) {
            Files.writeString(dir.resolve(gz ? f.gzName() : f.baseName()), "x");
        }
        return dir;
    }

    private FashionMnist.Locator locator(Path explicit, String env, Path system, Downloader d) {
        return new FashionMnist.Locator(explicit, env, root.resolve("home"), system, d);
    }

    private Path cache() {
        return root.resolve("home/.cache/sparrow/fashion-mnist");
    }

    @Test
    void explicitDirectoryComesFirst() throws IOException {
        Path explicit = complete(root.resolve("explicit"), true);
        Path env = complete(root.resolve("env"), true);
        complete(cache(), true);
        Path system = complete(root.resolve("system"), true);
        FashionMnist.Location loc = locator(explicit, env.toString(), system, MUST_NOT_DOWNLOAD).locate();
        assertThat(loc.origin()).isEqualTo("dataDir " + explicit);
        assertThat(loc.files().get("train-images-idx3-ubyte")).isEqualTo(explicit.resolve("train-images-idx3-ubyte.gz"));
        assertThat(loc.files()).hasSize(4);
    }

    @Test
    void environmentComesSecond() throws IOException {
        Path env = complete(root.resolve("env"), true);
        complete(cache(), true);
        Path system = complete(root.resolve("system"), true);
        FashionMnist.Location loc = locator(null, env.toString(), system, MUST_NOT_DOWNLOAD).locate();
        assertThat(loc.origin()).isEqualTo("SPARROW_DATA=" + env);
    }

    @Test
    void cacheComesBeforeTheSystemDirectory() throws IOException {
        complete(cache(), false);
        Path system = complete(root.resolve("system"), true);
        FashionMnist.Location loc = locator(null, "  ", system, MUST_NOT_DOWNLOAD).locate();
        assertThat(loc.origin()).isEqualTo(cache().toString());
        assertThat(loc.files().get("t10k-labels-idx1-ubyte")).isEqualTo(cache().resolve("t10k-labels-idx1-ubyte"));
    }

    @Test
    void systemDirectoryIsUsedWhenTheCacheIsIncomplete() throws IOException {
        Files.createDirectories(cache());
        Files.writeString(cache().resolve("train-images-idx3-ubyte.gz"), "x");
        Path system = complete(root.resolve("system"), true);
        assertThat(locator(null, null, system, MUST_NOT_DOWNLOAD).locate().origin()).isEqualTo(system.toString());
    }

    @Test
    void userDirectoryMayHoldTheFilesInAFashionMnistSubdirectory() throws IOException {
        Path parent = root.resolve("datasets");
        complete(parent.resolve("fashion-mnist"), true);
        assertThat(locator(parent, null, null, MUST_NOT_DOWNLOAD).locate().origin()).isEqualTo("dataDir " + parent + "/fashion-mnist");
    }

    @Test
    void incompleteUserDirectoryIsAnErrorNotAFallBack() throws IOException {
        Path explicit = root.resolve("explicit");
        Files.createDirectories(explicit);
        Files.writeString(explicit.resolve("train-images-idx3-ubyte.gz"), "x");
        Path system = complete(root.resolve("system"), true);
        assertThatThrownBy(() -> locator(explicit, null, system, MUST_NOT_DOWNLOAD).locate())
                .isInstanceOf(DatasetNotFoundException.class)
                .hasMessageStartingWith("Fashion-MNIST not found in dataDir " + explicit
                        + ": missing train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz.");
        assertThatThrownBy(() -> locator(null, root.resolve("nowhere").toString(), system, MUST_NOT_DOWNLOAD).locate())
                .hasMessageStartingWith("Fashion-MNIST not found in SPARROW_DATA=" + root.resolve("nowhere") + ": no such directory");
    }

    @Test
    void nothingFoundAndDownloadFailingExplainsHowToGetTheFiles() {
        Path system = root.resolve("system");
        assertThatThrownBy(() -> locator(null, null, system, NO_NETWORK).locate())
                .isInstanceOf(DatasetNotFoundException.class)
                .hasMessage("Fashion-MNIST not found. Looked in: dataDir not given; SPARROW_DATA not set; "
                        + cache() + " (no such directory); " + system + " (no such directory).\n"
                        + "Downloading from http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/ into " + cache()
                        + " failed: network is unreachable (test)\n"
                        + "To get the files, either:\n"
                        + "  - install the Debian package: sudo apt-get install dataset-fashion-mnist"
                        + " (puts them in /usr/share/datasets/fashion-mnist), or\n"
                        + "  - download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz,"
                        + " t10k-labels-idx1-ubyte.gz from http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
                        + " into a directory DIR, then pass it as dataDir or set SPARROW_DATA=DIR.");
        assertThat(cache()).isEmptyDirectory();
    }

    @Test
    void downloadWithWrongChecksumIsRejectedAndLeavesNoFiles() throws IOException {
        List<URI> asked = new ArrayList<>();
        Downloader wrongBytes = (source, target) -> {
            asked.add(source);
            Files.writeString(target, "<html>not the file</html>", StandardCharsets.UTF_8);
        };
        assertThatThrownBy(() -> locator(null, null, null, wrongBytes).locate())
                .isInstanceOf(DatasetNotFoundException.class)
                .hasMessageContaining("failed: http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz"
                        + " has SHA-256 ")
                .hasMessageContaining(" but b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7 was expected");
        assertThat(asked).hasSize(1);
        try (Stream<Path> left = Files.list(cache())) {
            assertThat(left).as("no temp or target file left behind").isEmpty();
        }
    }

    @Test
    void downloadFetchesOnlyMissingFilesVerifiesThemAndRenamesIntoTheCache() throws IOException {
        // Two fake files with their own checksums stand in for the real ones.
        byte[] a = "alpha".getBytes(StandardCharsets.UTF_8);
        byte[] b = "beta".getBytes(StandardCharsets.UTF_8);
        Path scratch = Files.createDirectories(root.resolve("scratch"));
        String shaA = FashionMnist.sha256(Files.write(scratch.resolve("a"), a));
        String shaB = FashionMnist.sha256(Files.write(scratch.resolve("b"), b));
        List<FashionMnist.FileSpec> specs = List.of(new FashionMnist.FileSpec("a-idx1-ubyte", shaA),
                new FashionMnist.FileSpec("b-idx1-ubyte", shaB));
        Path cache = root.resolve("cache");
        Files.createDirectories(cache);
        Files.write(cache.resolve("a-idx1-ubyte"), a); // already there, un-gzipped
        List<URI> asked = new ArrayList<>();
        Downloader fake = (source, target) -> {
            asked.add(source);
            assertThat(target.getParent()).isEqualTo(cache);
            assertThat(target.getFileName().toString()).endsWith(".part");
            Files.write(target, b);
        };
        FashionMnist.Locator locator = new FashionMnist.Locator(null, null, cache, null, fake, "http://mirror.test/", specs);
        FashionMnist.Location loc = locator.locate();
        assertThat(asked).containsExactly(URI.create("http://mirror.test/b-idx1-ubyte.gz"));
        assertThat(loc.origin()).isEqualTo("downloaded into " + cache);
        assertThat(loc.files().get("a-idx1-ubyte")).isEqualTo(cache.resolve("a-idx1-ubyte"));
        assertThat(loc.files().get("b-idx1-ubyte")).isEqualTo(cache.resolve("b-idx1-ubyte.gz"));
        assertThat(Files.readAllBytes(cache.resolve("b-idx1-ubyte.gz"))).isEqualTo(b);
        try (Stream<Path> files = Files.list(cache)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("a-idx1-ubyte", "b-idx1-ubyte.gz");
        }
        // Now complete: found without downloading again.
        FashionMnist.Locator again = new FashionMnist.Locator(null, null, cache, null, MUST_NOT_DOWNLOAD, "http://mirror.test/", specs);
        assertThat(again.locate().origin()).isEqualTo(cache.toString());
    }
}
