package dev.sparrow.measure;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.sparse.SparseKernels;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class KernelCheckTest {

    @Test
    void percentileInterpolatesBetweenRanks() {
        double[] sorted = {1, 2, 3, 4, 5};
        assertThat(SideBySideTimer.percentile(sorted, 0.5)).isEqualTo(3.0);
        assertThat(SideBySideTimer.percentile(sorted, 0.1)).isCloseTo(1.4, within(1e-12));
        assertThat(SideBySideTimer.percentile(new double[] {7}, 0.9)).isEqualTo(7.0);
        assertThat(List.of(KernelCheck.relativeError(new float[] {1, 2}, new float[] {1, 4}))).containsExactly(0.5);
        assertThat(KernelCheck.relativeError(new float[] {Float.NaN}, new float[] {1})).isInfinite();
    }

    @Test
    void everyDenseProductAgreesWithTheScalarReferenceAndCopiesRotate() {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] w = KernelInputs.uniform(24 * 40, rnd);
        DenseBaseline d = new DenseBaseline(Backend.get().kernels(), w, 24, 40,
                WeightCopies.count(4L * 24 * 40, 3 * 4L * 24 * 40));
        assertThat(d.copies()).isEqualTo(3);
        assertThat(WeightCopies.count(4L * 24 * 40, 0)).isEqualTo(1);
        KernelCheck check = new KernelCheck(Backend.get().kernels(), SparseKernels.of(Backend.get()));
        for (int batch : new int[] {1, 7}) {
            assertThat(check.denseProducts(d, KernelInputs.random(batch, 40, 0.25, rnd), ComputePool.serial())).isTrue();
        }
        assertThat(check.errors()).isEmpty();
        assertThat(check.agree("broken", 24, 40, 1, new float[] {1, 2}, new float[] {1, 3})).isFalse();
        assertThat(check.errors()).singleElement().asString().startsWith("broken at 24x40, batch 1 disagrees with dense");
    }
}
