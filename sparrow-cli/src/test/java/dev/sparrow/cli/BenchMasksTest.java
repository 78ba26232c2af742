package dev.sparrow.cli;

import dev.sparrow.sparse.FormatMasks;
import dev.sparrow.sparse.MaskedWeights;
import dev.sparrow.sparse.SparseFormats;
import dev.sparrow.sparse.PackedWeights;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The masks {@code bench kernels} and the JMH benchmarks build, one per format. */
class BenchMasksTest {

    @ParameterizedTest(name = "{0} at {1}x{2}, seed 11: sparsity {3}")
    @CsvSource({
            "csr, 64, 100, 0.9", "condensed, 64, 100, 0.9", "csc, 64, 100, 0.9",
            "block4, 66, 100, 0.9", "block16, 64, 100, 0.9",
            "nm1:8, 64, 96, 0.875", "nm2:16, 64, 96, 0.875", "bank16, 64, 96, 0.875",
            "complementary10, 64, 100, 0.9", "complementary10, 60, 100, 0.9"})
    void everyMaskBuildsInItsFormatAtTheExpectedSparsity(String spec, int rows, int cols, double expected) {
        boolean[] mask = FormatMasks.forSpec(spec, 0.9, rows, cols, new SplittableRandom(11));
        float[] values = new float[rows * cols];
        java.util.Arrays.fill(values, 1f);
        PackedWeights m = SparseFormats.build(spec, MaskedWeights.of(values, mask, rows, cols, "t"));
        assertThat(FormatMasks.sparsityOf(mask)).isCloseTo(expected, within(0.02));
        long active = 0;
        for (boolean b : mask) if (b) active++;
        assertThat(m.nnz()).isEqualTo(active);
    }

    @Test
    void defaultFormatsPickTheClosestRatios() {
        assertThat(FormatMasks.defaultSpecs(0.9)).contains("nm1:8", "nm2:16", "complementary10");
        assertThat(FormatMasks.defaultSpecs(0.5)).contains("nm4:8", "nm8:16", "complementary2");
        assertThat(FormatMasks.defaultSpecs(0.95)).contains("nm1:8", "nm1:16", "complementary20");
    }
}
