package dev.sparrow.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.sparrow.data.IdxFiles.gzip;
import static dev.sparrow.data.IdxFiles.idx;
import static dev.sparrow.data.IdxFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FashionMnistTest {
    @TempDir
    Path dir;

    @Test
    void loadsTheInstalledTestSplitAndChecksItsStructure() throws IOException {
        Path system = Path.of(FashionMnist.SYSTEM_DIR);
        assumeTrue(Files.isRegularFile(system.resolve("t10k-images-idx3-ubyte.gz")), "dataset-fashion-mnist not installed");
        FashionMnist.Location loc = new FashionMnist.Locator(null, null, dir, system, (s, t) -> {
            throw new AssertionError("no download expected");
        }).locate();
        ImageDataset test = FashionMnist.read(FashionMnist.Split.TEST, loc);
        assertThat(test.size()).isEqualTo(10000);
        assertThat(test.sampleShape()).containsExactly(1, 28, 28);
        assertThat(test.classes()).isEqualTo(10);
        assertThat(test.classCounts()).containsOnly(1000);
        assertThat(test.label(0)).as("first test item is an ankle boot").isEqualTo(9);
        double sum = 0;
        for (int i = 0; i < test.size(); i++) for (int p = 0; p < 784; p++) sum += test.pixel(i, p);
        assertThat(sum / (test.size() * 784.0)).as("mean pixel").isBetween(0.28, 0.29);
    }

    private FashionMnist.Location fake(int images, int side, int labels, byte label) throws IOException {
        byte[] y = new byte[labels];
        java.util.Arrays.fill(y, label);
        Path im = write(dir, "t10k-images-idx3-ubyte.gz", gzip(idx(8, new int[] {images, side, side}, new byte[images * side * side])));
        Path lb = write(dir, "t10k-labels-idx1-ubyte", idx(8, new int[] {labels}, y));
        return new FashionMnist.Location(Map.of("t10k-images-idx3-ubyte", im, "t10k-labels-idx1-ubyte", lb), "test");
    }

    @Test
    void wrongCountsShapesAndLabelsAreRejectedByFileAndField() throws IOException {
        assertThatThrownBy(() -> FashionMnist.read(FashionMnist.Split.TEST, fake(10, 28, 10, (byte) 1)))
                .isInstanceOf(IdxFormatException.class)
                .hasMessage("t10k-images-idx3-ubyte.gz: holds 10 x 28 x 28 images; Fashion-MNIST test needs 10000 x 28 x 28");
        assertThatThrownBy(() -> FashionMnist.read(FashionMnist.Split.TEST, fake(10000, 27, 10000, (byte) 1)))
                .hasMessageContaining("holds 10000 x 27 x 27 images");
        assertThatThrownBy(() -> FashionMnist.read(FashionMnist.Split.TEST, fake(10000, 28, 9999, (byte) 1)))
                .hasMessage("t10k-labels-idx1-ubyte: holds 9999 labels; Fashion-MNIST test needs 10000");
        assertThatThrownBy(() -> FashionMnist.read(FashionMnist.Split.TEST, fake(10000, 28, 10000, (byte) 10)))
                .hasMessage("t10k-labels-idx1-ubyte: label 10 at item 0 is outside 0..9");
        Dataset ok = FashionMnist.read(FashionMnist.Split.TEST, fake(10000, 28, 10000, (byte) 3));
        assertThat(ok.name()).isEqualTo("fashion-mnist-test");
        assertThat(ok.label(9999)).isEqualTo(3);
    }
}
