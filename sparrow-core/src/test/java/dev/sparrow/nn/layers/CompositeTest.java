package dev.sparrow.nn.layers;

import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Modules;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;
import java.util.SplittableRandom;

import static dev.sparrow.nn.layers.GradCheck.randomTensor;
import static org.assertj.core.api.Assertions.assertThat;

/** Sequential and ResidualBlock checked end to end against composed double references. */
class CompositeTest {

    private static double[] bn(double[] x, int batch, int c, int spatial, Map<String, double[]> p, String prefix,
                               BatchNorm layer, boolean training) {
        return RefOps.batchNorm(x, batch, c, spatial, p.get(prefix + "weight"), p.get(prefix + "bias"), 1e-5,
                training ? null : GradCheck.toDouble(layer.runningMean().data()),
                training ? null : GradCheck.toDouble(layer.runningVar().data()));
    }

    /** Random γ/β/running stats for every BatchNorm in the tree, so none is the identity. */
    private static void randomizeNorms(Layer layer, SplittableRandom rng) {
        if (layer instanceof BatchNorm b) BatchNormTest.randomize(b, b.weight().size(), rng);
        for (Layer child : layer.children()) randomizeNorms(child, rng);
    }

    @ParameterizedTest(name = "sequential conv-bn-relu-pool-flatten-linear training={0} seed={1}")
    @CsvSource({"true, 501", "false, 502"})
    void sequentialSmallCnn(boolean training, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int batch = 3, cin = 2, h = 6, w = 5;
        BatchNorm2d norm = new BatchNorm2d(3);
        Sequential net = new Sequential(
                Conv2dTest.randomConv(cin, 3, 3, 3, 1, 1, true, rng), norm, new ReLU(), new MaxPool2d(2),
                new Flatten(), LinearTest.randomLinear(3 * 3 * 2, 4, true, rng));
        randomizeNorms(net, rng);
        assertThat(Modules.namedParameters(net).keySet())
                .containsExactly("0.weight", "0.bias", "1.weight", "1.bias", "5.weight", "5.bias");
        Tensor x = randomTensor(rng, batch, cin, h, w);
        GradCheck.check("Sequential seed=" + seed, net, x, training, seed, (xd, p) -> {
            double[] y = RefOps.conv2d(xd, batch, cin, h, w, p.get("0.weight"), p.get("0.bias"), 3, 3, 3, 1, 1);
            y = RefOps.relu(bn(y, batch, 3, h * w, p, "1.", norm, training));
            y = RefOps.maxPool(y, batch, 3, h, w, 2, 2);
            return RefOps.linear(y, batch, 18, p.get("5.weight"), p.get("5.bias"), 4);
        });
        assertThat(net.outputShape(new int[] {cin, h, w})).containsExactly(4);
    }

    @ParameterizedTest(name = "residual b={0} {1}->{2} stride {3} {4}x{5} training={6} seed={7}")
    @CsvSource({
            "3, 3, 3, 1, 5, 5, true, 511",   // identity shortcut
            "2, 2, 4, 2, 6, 5, true, 512",   // projection, stride 2, odd width
            "1, 3, 5, 1, 4, 4, true, 513",   // projection for channels only, batch 1
            "2, 3, 3, 1, 5, 4, false, 514",
            "3, 2, 3, 2, 5, 5, false, 515"})
    void residualBlock(int batch, int cin, int cout, int stride, int h, int w, boolean training, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        ResidualBlock block = new ResidualBlock(cin, cout, stride, rng);
        randomizeNorms(block, rng);
        assertThat(block.hasProjection()).isEqualTo(stride != 1 || cin != cout);
        BatchNorm bn1 = (BatchNorm) block.children().get(1);
        BatchNorm bn2 = (BatchNorm) block.children().get(3);
        BatchNorm bnS = block.hasProjection() ? (BatchNorm) block.children().get(4).children().get(1) : null;
        int oh = RefOps.outSize(h, 3, stride, 1), ow = RefOps.outSize(w, 3, stride, 1);
        Tensor x = randomTensor(rng, batch, cin, h, w);
        GradCheck.check("ResidualBlock seed=" + seed, block, x, training, seed, (xd, p) -> {
            double[] y = RefOps.conv2d(xd, batch, cin, h, w, p.get("0.weight"), null, cout, 3, 3, stride, 1);
            y = RefOps.relu(bn(y, batch, cout, oh * ow, p, "1.", bn1, training));
            y = RefOps.conv2d(y, batch, cout, oh, ow, p.get("2.weight"), null, cout, 3, 3, 1, 1);
            y = bn(y, batch, cout, oh * ow, p, "3.", bn2, training);
            double[] s = xd;
            if (bnS != null) {
                s = RefOps.conv2d(xd, batch, cin, h, w, p.get("4.0.weight"), null, cout, 1, 1, stride, 0);
                s = bn(s, batch, cout, oh * ow, p, "4.1.", bnS, training);
            }
            return RefOps.relu(RefOps.add(y, s));
        });
        assertThat(block.outputShape(new int[] {cin, h, w})).containsExactly(cout, oh, ow);
    }

    @Test
    void residualBlockWithTwoThreadsMatchesOne() {
        long seed = 531;
        SplittableRandom rng = new SplittableRandom(seed);
        ResidualBlock block = new ResidualBlock(3, 6, 2, rng);
        randomizeNorms(block, rng);
        Tensor x = randomTensor(rng, 25, 3, 20, 20); // 100 output pixels: groups of 11, 3 groups
        Tensor g = randomTensor(rng, 25, 6, 10, 10);
        float[][] serial = runBlock(block, x, g, dev.sparrow.kernel.ComputePool.serial());
        try (var two = dev.sparrow.kernel.ComputePool.ofThreads(2)) {
            float[][] parallel = runBlock(block, x, g, two);
            for (int i = 0; i < serial.length; i++) {
                GradCheck.assertClose("ResidualBlock 2 threads, array " + i + ", seed " + seed, parallel[i], GradCheck.toDouble(serial[i]), 1e-5);
            }
        }
    }

    private static float[][] runBlock(ResidualBlock block, Tensor x, Tensor g, dev.sparrow.kernel.ComputePool pool) {
        var ctx = new dev.sparrow.nn.ExecutionContext(dev.sparrow.kernel.Backend.get().kernels(), pool, 1).training(true);
        var params = Modules.namedParameters(block);
        params.values().forEach(dev.sparrow.nn.Parameter::zeroGrad);
        float[] y = block.forward(x, ctx).data().clone();
        float[] dx = block.backward(g, ctx).data().clone();
        float[][] out = new float[2 + params.size()][];
        out[0] = y;
        out[1] = dx;
        int i = 2;
        for (var p : params.values()) out[i++] = p.grad().data().clone();
        return out;
    }

    @Test
    void sequentialDescribesItsChildrenAndCountsFlops() {
        SplittableRandom rng = new SplittableRandom(521);
        Sequential net = new Sequential(new Flatten(), new Linear(12, 5, true, rng), new ReLU(),
                new Sequential(new Linear(5, 2, false, rng)));
        assertThat(net.describe()).isEqualTo("""
                Sequential(
                  (0) Flatten
                  (1) Linear(12->5)
                  (2) ReLU
                  (3) Sequential(
                    (0) Linear(5->2, no bias)
                  )
                )""");
        assertThat(net.forwardFlops(new int[] {3, 4})).isEqualTo(2 * 12 * 5 + 5 + 2 * 5 * 2);
        assertThat(Modules.parameterCount(net)).isEqualTo(12 * 5 + 5 + 10);
        assertThat(Modules.namedParameters(net).keySet()).containsExactly("1.weight", "1.bias", "3.0.weight");
    }
}
