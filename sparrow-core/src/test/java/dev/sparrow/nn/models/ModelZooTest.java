package dev.sparrow.nn.models;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.layers.KWinners;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.loss.SoftmaxCrossEntropy;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelZooTest {
    private static final int[] FASHION = {1, 28, 28};

    @ParameterizedTest(name = "{0}: {1} parameters, {2} FLOPs")
    @CsvSource({"mlp, 266610, 532810", "lenet5, 61706, 839558", "cnn, 458730, 12095114", "resnet, 77754, 18691850",
            "mlp-kwta, 266610, 532810", "cnn-kwta0.2, 458730, 12095114"})
    void buildsWithKnownSizeAndTrainsOneStep(String name, long params, long flops) {
        long seed = 701;
        Sequential model = ModelZoo.create(name, FASHION, 10, seed);
        System.out.println(name + " (seed " + seed + ")\n" + model.describe() + "\n" + ModelSummary.table(model, FASHION));
        assertThat(Modules.parameterCount(model)).as(name + " parameters").isEqualTo(params);
        assertThat(ModelSummary.forwardFlops(model, FASHION)).as(name + " FLOPs").isEqualTo(flops);
        assertThat(model.outputShape(FASHION)).containsExactly(10);

        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = Tensor.zeros(3, 1, 28, 28);
        for (int i = 0; i < x.size(); i++) x.set(i, (float) rng.nextGaussian());
        ExecutionContext ctx = new ExecutionContext(Backend.get().kernels(), ComputePool.serial(), seed).training(true);
        Tensor logits = model.forward(x, ctx);
        assertThat(logits.shape()).containsExactly(3, 10);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        double value = loss.forward(logits, new int[] {1, 4, 9});
        assertThat(value).as("initial loss of %s is near ln 10", name).isBetween(0.5, 10.0);
        Tensor gx = model.backward(loss.backward(), ctx);
        assertThat(gx.shape()).containsExactly(3, 1, 28, 28);
        for (var e : Modules.namedParameters(model).entrySet()) {
            double norm = 0;
            for (float g : e.getValue().grad().data()) {
                assertThat(Float.isFinite(g)).isTrue();
                norm += g * g;
            }
            assertThat(norm).as("gradient of %s.%s", name, e.getKey()).isPositive();
        }
    }

    @ParameterizedTest(name = "{0} memorises 8 samples of 1x12x12")
    @CsvSource({"mlp", "lenet5", "cnn", "resnet", "mlp-kwta0.2", "cnn-kwta"})
    void plainSgdDrivesTheLossDownOnATinyBatch(String name) {
        long seed = 711;
        int[] small = {1, 12, 12}; // keeps the test fast with the scalar kernels
        Sequential model = ModelZoo.create(name, small, 10, seed);
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = Tensor.zeros(8, 1, 12, 12);
        for (int i = 0; i < x.size(); i++) x.set(i, (float) rng.nextGaussian());
        int[] labels = {0, 1, 2, 3, 4, 5, 6, 7};
        ExecutionContext ctx = new ExecutionContext(Backend.get().kernels(), ComputePool.serial(), seed).training(true);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        double first = 0, last = 0;
        for (int step = 0; step < 12; step++) {
            for (Parameter p : Modules.namedParameters(model).values()) p.zeroGrad();
            last = loss.forward(model.forward(x, ctx), labels);
            if (step == 0) first = last;
            model.backward(loss.backward(), ctx);
            for (Parameter p : Modules.namedParameters(model).values()) {
                float[] v = p.value().data(), g = p.grad().data();
                for (int i = 0; i < v.length; i++) v[i] -= 0.05f * g[i];
            }
        }
        assertThat(last).as("%s loss after 12 steps (first %.3f), seed %d", name, first, seed).isLessThan(0.5 * first);
    }

    @ParameterizedTest(name = "{0}: a steady-state training step allocates (almost) nothing")
    @CsvSource({"mlp", "cnn", "resnet"})
    void steadyStateStepsReuseTheirBuffers(String name) {
        long seed = 721;
        int[] shape = {1, 12, 12};
        Sequential model = ModelZoo.create(name, shape, 10, seed);
        Tensor x = Tensor.zeros(4, 1, 12, 12);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < x.size(); i++) x.set(i, (float) rng.nextGaussian());
        int[] labels = {1, 2, 3, 4};
        // scalar kernels: this checks the layers' buffer reuse; Vector API code allocates its vector
        // objects until C2 has compiled it, which a four-step test never reaches
        ExecutionContext ctx = new ExecutionContext(Backend.scalar().kernels(), ComputePool.serial(), seed).training(true);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(0.1);
        var bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        long before = 0;
        for (int step = 0; step < 4; step++) {
            if (step == 3) before = bean.getThreadAllocatedBytes(tid);
            loss.forward(model.forward(x, ctx), labels);
            model.backward(loss.backward(), ctx);
        }
        long allocated = bean.getThreadAllocatedBytes(tid) - before;
        // the activations alone are tens of KiB per layer; what is left is the kernels' own bookkeeping
        assertThat(allocated).as("%s bytes allocated by the 4th step, seed %d", name, seed).isLessThan(16 * 1024);
    }

    @Test
    void sameSeedSameWeightsAndClearErrors() {
        var a = Modules.namedParameters(ModelZoo.create("cnn", FASHION, 10, 5));
        var b = Modules.namedParameters(ModelZoo.create("cnn", FASHION, 10, 5));
        var c = Modules.namedParameters(ModelZoo.create("cnn", FASHION, 10, 6));
        assertThat(b.get("0.weight").value().data()).isEqualTo(a.get("0.weight").value().data());
        assertThat(c.get("0.weight").value().data()).isNotEqualTo(a.get("0.weight").value().data());
        assertThat(ModelZoo.create("resnet", new int[] {3, 32, 32}, 100, 1).outputShape(new int[] {3, 32, 32})).containsExactly(100);
        assertThat(ModelZoo.create("mlp", new int[] {20}, 3, 1).outputShape(new int[] {20})).containsExactly(3);
        Sequential wide = ModelZoo.create("mlp-512-256-64", FASHION, 10, 1);
        assertThat(Modules.parameterCount(wide)).isEqualTo(784 * 512 + 512 + 512 * 256 + 256 + 256 * 64 + 64 + 64 * 10 + 10);
        assertThatThrownBy(() -> ModelZoo.create("mlp-512-x", FASHION, 10, 1)).hasMessageContaining("hidden size 'x'");
        assertThatThrownBy(() -> ModelZoo.create("mlp-0", FASHION, 10, 1)).hasMessageContaining("hidden sizes must be >= 1");
        assertThatThrownBy(() -> ModelZoo.create("vgg", FASHION, 10, 1))
                .hasMessageContaining("unknown model 'vgg'").hasMessageContaining("[mlp, lenet5, cnn, resnet, mlp-kwta, cnn-kwta, mlp-wide, gsc-cnn, gsc-cnn-kwta, gsc-cnn-kwta-local]");
        assertThat(Modules.parameterCount(ModelZoo.create("mlp-wide", FASHION, 10, 1)))
                .isEqualTo(784 * 2048 + 2048 + 2048 * 2048 + 2048 + 2048 * 10 + 10);
        assertThatThrownBy(() -> ModelZoo.create("cnn", new int[] {784}, 10, 1)).hasMessageContaining("[channels, height, width]");
        assertThatThrownBy(() -> ModelZoo.create("lenet5", new int[] {1, 8, 8}, 10, 1)).hasMessageContaining("too small");
        assertThat(ModelZoo.create("lenet5", new int[] {3, 32, 32}, 10, 1).outputShape(new int[] {3, 32, 32})).containsExactly(10);
        assertThatThrownBy(() -> ModelZoo.create("mlp", FASHION, 1, 1)).hasMessageContaining("classes");
    }

    @Test
    void kwtaNamesCarryTheirDensity() {
        Sequential mlp = ModelZoo.create("mlp-kwta", FASHION, 10, 1);
        assertThat(mlp.get(2)).isInstanceOf(KWinners.class);
        assertThat(((KWinners) mlp.get(2)).k()).isEqualTo(30);
        assertThat(((KWinners) mlp.get(4)).k()).isEqualTo(10);
        assertThat(mlp.describe()).doesNotContain("ReLU");
        String name = ModelZoo.kwtaName("mlp", 0.05);
        assertThat(name).isEqualTo("mlp-kwta0.05");
        Sequential sparse = ModelZoo.create(name, FASHION, 10, 1);
        assertThat(((KWinners) sparse.get(2)).k()).isEqualTo(15);
        assertThat(((KWinners) sparse.get(2)).density()).isEqualTo(0.05);
        Sequential cnn = ModelZoo.create(ModelZoo.kwtaName("cnn", 0.25), FASHION, 10, 1);
        long kw = cnn.children().stream().filter(l -> l instanceof KWinners).count();
        assertThat(kw).as("k-WTA only in the dense hidden layer").isEqualTo(1);
        assertThat(((KWinners) cnn.get(13)).k()).isEqualTo(32);
        assertThatThrownBy(() -> ModelZoo.create("mlp-kwtax", FASHION, 10, 1)).hasMessageContaining("'x' is not a number");
        assertThatThrownBy(() -> ModelZoo.create("mlp-kwta1.5", FASHION, 10, 1)).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> ModelZoo.kwtaName("resnet", 0.1)).hasMessageContaining("resnet");
    }
}
