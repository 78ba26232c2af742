package dev.sparrow.nn.layers;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks a layer against a double-precision reference: (a) the float forward equals the reference,
 * (b) the float analytic gradients of L = Σ out·R (R random) with respect to the input and every
 * parameter equal central finite differences of the double reference.
 */
final class GradCheck {
    static final double FORWARD_TOL = 2e-5;  // relative to the output's largest magnitude
    static final double GRAD_TOL = 1e-3;     // relative to the gradient's largest magnitude
    static final double H = 1e-6;

    /** The reference forward: input and parameters (by qualified name) in double. */
    @FunctionalInterface
    interface Reference {
        double[] apply(double[] x, Map<String, double[]> params);
    }

    private GradCheck() {}

    static ExecutionContext context(boolean training, long seed) {
        return new ExecutionContext(Backend.get().kernels(), ComputePool.serial(), seed).training(training);
    }

    static Tensor randomTensor(SplittableRandom rng, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) t.set(i, (float) rng.nextGaussian());
        return t;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    static Map<String, double[]> doubleParams(Layer layer) {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : Modules.namedParameters(layer).entrySet()) {
            m.put(e.getKey(), toDouble(e.getValue().value().data()));
        }
        return m;
    }

    static void assertClose(String what, float[] actual, double[] expected, double relTol) {
        assertClose(what, actual, expected, relTol, 0);
    }

    /**
     * Largest error <= relTol × max(largest |expected|, floorScale); the floor covers tensors whose true
     * values are all ~0 (e.g. a conv bias feeding training-mode BatchNorm), where float rounding of the
     * other terms is all that is left.
     */
    static void assertClose(String what, float[] actual, double[] expected, double relTol, double floorScale) {
        assertThat(actual.length).as(what + " length").isEqualTo(expected.length);
        double scale = floorScale;
        for (double v : expected) scale = Math.max(scale, Math.abs(v));
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            if (err > worst) {
                worst = err;
                at = i;
            }
        }
        double allowed = relTol * Math.max(scale, 1e-6);
        assertThat(worst)
                .as("%s: worst error %.3g at %d (actual %s, expected %s), scale %.3g", what, worst, at,
                        at >= 0 ? actual[at] : 0f, at >= 0 ? expected[at] : 0.0, scale)
                .isLessThanOrEqualTo(allowed);
    }

    /** Runs the full check; {@code label} names the case (with its seed) in failures. */
    static void check(String label, Layer layer, Tensor input, boolean training, long seed, Reference ref) {
        ExecutionContext ctx = context(training, seed);
        Map<String, Parameter> params = Modules.namedParameters(layer);
        for (Parameter p : params.values()) p.zeroGrad();

        Tensor out = layer.forward(input, ctx);
        float[] outCopy = out.data().clone();
        double[] x = toDouble(input.data());
        Map<String, double[]> pd = doubleParams(layer);
        double[] expected = ref.apply(x, pd);
        assertClose(label + " forward", outCopy, expected, FORWARD_TOL);

        SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        double[] r = new double[expected.length];
        float[] rf = new float[expected.length];
        for (int i = 0; i < r.length; i++) {
            rf[i] = (float) rng.nextGaussian();
            r[i] = rf[i];
        }
        Tensor gradIn = layer.backward(Tensor.wrap(rf, out.shape()), ctx);
        assertThat(gradIn.shape()).as(label + " input gradient shape").isEqualTo(input.shape());

        Map<String, double[]> numericGrads = new LinkedHashMap<>();
        numericGrads.put("input", numeric(x, () -> loss(ref, x, pd, r)));
        for (String name : params.keySet()) numericGrads.put(name, numeric(pd.get(name), () -> loss(ref, x, pd, r)));
        double overall = 0;
        for (double[] g : numericGrads.values()) for (double v : g) overall = Math.max(overall, Math.abs(v));
        double floor = 1e-2 * overall;
        assertClose(label + " d/dinput", gradIn.data().clone(), numericGrads.get("input"), GRAD_TOL, floor);
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            assertClose(label + " d/d" + e.getKey(), e.getValue().grad().data(), numericGrads.get(e.getKey()), GRAD_TOL, floor);
        }
    }

    static double loss(Reference ref, double[] x, Map<String, double[]> params, double[] r) {
        double[] y = ref.apply(x, params);
        double s = 0;
        for (int i = 0; i < y.length; i++) s += y[i] * r[i];
        return s;
    }

    /** Central differences of f with respect to each element of v (perturbed in place, then restored). */
    static double[] numeric(double[] v, java.util.function.DoubleSupplier f) {
        double[] g = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double old = v[i];
            v[i] = old + H;
            double plus = f.getAsDouble();
            v[i] = old - H;
            double minus = f.getAsDouble();
            v[i] = old;
            g[i] = (plus - minus) / (2 * H);
        }
        return g;
    }
}
