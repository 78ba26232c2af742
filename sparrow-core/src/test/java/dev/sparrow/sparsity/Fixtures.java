package dev.sparrow.sparsity;

import dev.sparrow.nn.Parameter;
import dev.sparrow.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Small parameter sets with seeded values for the method tests. */
final class Fixtures {
    private Fixtures() {}

    /** A weight [rows, fanIn] with N(0, 1) values. */
    static Parameter weight(int rows, int fanIn, SplittableRandom rng) {
        Tensor t = Tensor.zeros(rows, fanIn);
        fillNormal(t.data(), rng);
        return new Parameter("weight", t, true);
    }

    static void fillNormal(float[] a, SplittableRandom rng) {
        for (int i = 0; i < a.length; i++) {
            double u = rng.nextDouble(1e-12, 1.0);
            double v = rng.nextDouble();
            a[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
        }
    }

    /** "0.weight" [20, 30], "0.bias" [20], "1.weight" [10, 20], "1.bias" [10], seeded. */
    static Map<String, Parameter> twoLayers(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("0.weight", weight(20, 30, rng));
        m.put("0.bias", new Parameter("bias", Tensor.zeros(20), false));
        m.put("1.weight", weight(10, 20, rng));
        m.put("1.bias", new Parameter("bias", Tensor.zeros(10), false));
        return m;
    }

    /** Fills every parameter's gradient with N(0, 1) values (masked positions included, as backward does). */
    static void randomGradients(Map<String, Parameter> params, SplittableRandom rng) {
        for (Parameter p : params.values()) fillNormal(p.grad().data(), rng);
    }
}
