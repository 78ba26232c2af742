package dev.sparrow.bench.peers;

import dev.sparrow.measure.MatMulPeer;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.ServiceLoader;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class OrtMatMulPeerTest {
    private static final long SEED = 20261125L;

    @Test
    void onnxMatMulEqualsTheDenseReferenceOnAnOddShapeForEveryWeightCopy() throws Exception {
        int out = 3, in = 17, batch = 5;
        SplittableRandom rnd = new SplittableRandom(SEED);
        System.out.println("OrtMatMulPeerTest seed " + SEED);
        float[] w1 = uniform(out * in, rnd), w2 = uniform(out * in, rnd), x = uniform(batch * in, rnd);
        try (MatMulPeer.Instance ort = new OrtMatMulPeer().open(2)) {
            assertThat(ort.describe()).startsWith("ONNX Runtime 1.");
            assertThat(ort.addWeights(w1, out, in)).isZero();
            assertThat(ort.addWeights(w2, out, in)).isEqualTo(1);
            for (int b : new int[] {batch, 1}) {
                float[] xb = Arrays.copyOf(x, b * in);
                ort.setInput(xb, b);
                for (int copy = 0; copy < 2; copy++) {
                    float[] got = new float[b * out];
                    Arrays.fill(got, Float.NaN);
                    ort.run(copy);
                    ort.output(got);
                    float[] want = reference(copy == 0 ? w1 : w2, out, in, xb, b);
                    for (int i = 0; i < want.length; i++) {
                        assertThat(got[i]).as("copy %d batch %d element %d", copy, b, i)
                                .isCloseTo(want[i], within(1e-5f * Math.max(1f, Math.abs(want[i]))));
                    }
                }
            }
        }
    }

    @Test
    void theCliFindsThePeerThroughServiceLoader() {
        assertThat(ServiceLoader.load(MatMulPeer.class).stream().map(p -> p.get().name())).containsExactly("ort-matmul");
    }

    @Test
    void weightsOfTheWrongLengthOrShapeAreRefused() throws Exception {
        assertThatThrownBy(() -> OnnxMatMulModel.build(new float[5], 2, 3)).hasMessageContaining("not out x in = 2 x 3");
        try (MatMulPeer.Instance ort = new OrtMatMulPeer().open(1)) {
            ort.addWeights(new float[6], 2, 3);
            assertThatThrownBy(() -> ort.addWeights(new float[6], 3, 2)).hasMessageContaining("must be 2x3");
            assertThatThrownBy(() -> ort.setInput(new float[7], 2)).hasMessageContaining("not batch x in = 2 x 3");
        }
    }

    /** Y [batch][out] = X W^T through our dense GEMM (NT), the kernel the bench compares ORT with. */
    private static float[] reference(float[] w, int out, int in, float[] x, int batch) {
        float[] y = new float[batch * out];
        Backend.scalar().kernels().gemm(false, true, batch, out, in, x, 0, in, w, 0, in, 0f, y, 0, out, ComputePool.serial());
        return y;
    }

    private static float[] uniform(int n, SplittableRandom rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
        return a;
    }
}
