package dev.sparrow.nn.layers;

import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Modules;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static dev.sparrow.nn.layers.GradCheck.randomTensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LinearTest {

    static Linear randomLinear(int in, int out, boolean bias, SplittableRandom rng) {
        Linear l = new Linear(in, out, bias, rng);
        if (bias) for (int i = 0; i < out; i++) l.bias().value().set(i, (float) rng.nextGaussian());
        return l;
    }

    static GradCheck.Reference reference(int batch, int in, int out, boolean bias) {
        return (x, p) -> RefOps.linear(x, batch, in, p.get("weight"), bias ? p.get("bias") : null, out);
    }

    @ParameterizedTest(name = "batch={0} in={1} out={2} bias={3} seed={4}")
    @CsvSource({"1, 1, 1, true, 11", "3, 7, 5, true, 12", "4, 13, 2, false, 13", "2, 33, 17, true, 14"})
    void matchesReferenceAndFiniteDifferences(int batch, int in, int out, boolean bias, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Linear l = randomLinear(in, out, bias, rng);
        GradCheck.check("Linear seed=" + seed, l, randomTensor(rng, batch, in), true, seed, reference(batch, in, out, bias));
    }

    @Test
    void parametersAreNamedAndDecayedAsPyTorch() {
        Linear l = new Linear(4, 3, true, 1L);
        assertThat(Modules.namedParameters(new Sequential(l)).keySet()).containsExactly("0.weight", "0.bias");
        assertThat(l.weight().value().shape()).containsExactly(3, 4);
        assertThat(l.weight().decayed()).isTrue();
        assertThat(l.bias().decayed()).isFalse();
        assertThat(l.bias().value().data()).containsOnly(0f);
        assertThat(new Linear(4, 3, false, 1L).parameters()).hasSize(1);
    }

    @Test
    void maskedWeightsGiveZeroContributionButDenseGradient() {
        long seed = 21;
        SplittableRandom rng = new SplittableRandom(seed);
        int in = 6, out = 4, batch = 3;
        Linear l = randomLinear(in, out, true, rng);
        float[] keep = new float[in * out];
        for (int i = 0; i < keep.length; i++) keep[i] = i % 3 == 0 ? 0f : 1f;
        l.weight().setMask(Mask.of(keep));
        for (int i = 0; i < keep.length; i++) {
            if (keep[i] == 0f) assertThat(l.weight().value().get(i)).as("masked weight %d", i).isZero();
        }
        // a full gradient check: the reference uses the stored (zeroed) weights, and the analytic
        // weight gradient must match the numeric one everywhere, masked positions included
        Tensor x = randomTensor(rng, batch, in);
        GradCheck.check("masked Linear seed=" + seed, l, x, true, seed, reference(batch, in, out, true));
        int nonZeroAtMasked = 0;
        for (int i = 0; i < keep.length; i++) if (keep[i] == 0f && l.weight().grad().get(i) != 0f) nonZeroAtMasked++;
        assertThat(nonZeroAtMasked).as("dense gradient at masked positions").isEqualTo(keep.length / 3);
    }

    @Test
    void reusesBuffersWhileBatchIsUnchangedAndStaysCorrectWhenItChanges() {
        long seed = 31;
        SplittableRandom rng = new SplittableRandom(seed);
        Linear l = randomLinear(5, 3, true, rng);
        ExecutionContext ctx = GradCheck.context(true, seed);
        Tensor a = randomTensor(rng, 4, 5);
        Tensor b = randomTensor(rng, 2, 5);
        Tensor outA = l.forward(a, ctx);
        Tensor outA2 = l.forward(a, ctx);
        assertThat(outA2).as("same batch size reuses the output buffer").isSameAs(outA);
        Tensor gA = l.backward(randomTensor(rng, 4, 3), ctx);
        assertThat(l.backward(randomTensor(rng, 4, 3), ctx)).isSameAs(gA);
        for (Tensor x : new Tensor[] {b, a, b}) {
            Tensor y = l.forward(x, ctx);
            assertThat(y.shape()).containsExactly(x.dim(0), 3);
            double[] ref = RefOps.linear(GradCheck.toDouble(x.data()), x.dim(0), 5,
                    GradCheck.toDouble(l.weight().value().data()), GradCheck.toDouble(l.bias().value().data()), 3);
            GradCheck.assertClose("Linear after batch change seed=" + seed, y.data(), ref, GradCheck.FORWARD_TOL);
        }
    }

    @Test
    void rejectsWrongInputs() {
        Linear l = new Linear(4, 3, true, 1L);
        ExecutionContext ctx = GradCheck.context(true, 1);
        assertThatThrownBy(() -> l.forward(Tensor.zeros(2, 5), ctx)).hasMessageContaining("[2, 5]").hasMessageContaining("Linear(4->3)");
        assertThatThrownBy(() -> l.forward(Tensor.zeros(2, 2, 2), ctx)).hasMessageContaining("[2, 2, 2]");
        assertThatThrownBy(() -> l.backward(Tensor.zeros(2, 3), ctx)).hasMessageContaining("before forward");
        l.forward(Tensor.zeros(2, 4), ctx);
        assertThatThrownBy(() -> l.backward(Tensor.zeros(3, 3), ctx)).hasMessageContaining("gradOutput [3, 3]");
        assertThatThrownBy(() -> new Linear(0, 3, true, 1L)).hasMessageContaining("in must be >= 1");
        assertThat(l.outputShape(new int[] {4})).containsExactly(3);
        assertThat(l.forwardFlops(new int[] {4})).isEqualTo(2 * 4 * 3 + 3);
    }
}
