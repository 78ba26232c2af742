package dev.sparrow.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The elementwise VectorKernels methods against the scalar reference at odd sizes and offsets. */
class VectorKernelsElementwiseTest {
    private static final Kernels VECTOR = VectorKernels.createIfUseful();
    private static final Kernels SCALAR = ScalarKernels.INSTANCE;

    private static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextFloat() * 2f - 1f;
        return v;
    }

    private static double sumAbs(float[] v, int off, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += Math.abs(v[off + i]);
        return s;
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {0, 1, 3, 7, 8, 17, 100, 1023, 4099})
    void reductionsMatchScalar(int n) {
        Random rnd = new Random(31L * n + 1);
        float[] a = random(rnd, n + 3), b = random(rnd, n + 5);
        double tol = 2e-6 * Math.sqrt(n + 1.0);
        float[] prod = new float[n];
        for (int i = 0; i < n; i++) prod[i] = a[3 + i] * b[5 + i];
        assertThat((double) VECTOR.dot(n, a, 3, b, 5)).as("dot n=%d seed=%d", n, 31L * n + 1)
                .isCloseTo(SCALAR.dot(n, a, 3, b, 5), offset(tol * sumAbs(prod, 0, n) + 1e-30));
        assertThat((double) VECTOR.sum(n, a, 3)).as("sum n=%d", n)
                .isCloseTo(SCALAR.sum(n, a, 3), offset(tol * sumAbs(a, 3, n) + 1e-30));
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {0, 1, 3, 7, 8, 17, 100, 1023})
    void updatesMatchScalar(int n) {
        Random rnd = new Random(77L * n + 5);
        float[] x = random(rnd, n + 2), y = random(rnd, n + 4);
        float[] yExpected = y.clone(), yActual = y.clone();
        SCALAR.axpy(n, 0.37f, x, 2, yExpected, 4);
        VECTOR.axpy(n, 0.37f, x, 2, yActual, 4);
        for (int i = 0; i < yActual.length; i++) {
            // axpy uses one FMA rounding where the scalar loop rounds twice: at most an ulp or so apart.
            assertThat(yActual[i]).as("axpy y[%d]", i).isCloseTo(yExpected[i], offset(1e-6f));
        }
        float[] sExpected = x.clone(), sActual = x.clone();
        SCALAR.scale(n, -1.5f, sExpected, 2);
        VECTOR.scale(n, -1.5f, sActual, 2);
        assertThat(sActual).containsExactly(sExpected);
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {0, 1, 3, 17, 100, 1023})
    void reluMatchesScalarExactlyIncludingSpecialValues(int n) {
        Random rnd = new Random(13L * n);
        float[] x = random(rnd, n + 1);
        float[] specials = {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE};
        for (int i = 0; i < Math.min(specials.length, n); i++) x[1 + i * (n / specials.length + 1) % n] = specials[i];
        float[] g = random(rnd, n + 2);
        if (n > 2) g[2] = Float.POSITIVE_INFINITY;
        float[] expected = new float[n + 3], actual = new float[n + 3];
        SCALAR.relu(n, x, 1, expected, 3);
        VECTOR.relu(n, x, 1, actual, 3);
        assertThat(actual).containsExactly(expected);
        float[] inPlace = x.clone();
        VECTOR.relu(n, inPlace, 1, inPlace, 1);
        float[] inPlaceExpected = x.clone();
        SCALAR.relu(n, inPlaceExpected, 1, inPlaceExpected, 1);
        assertThat(inPlace).containsExactly(inPlaceExpected);

        float[] gExpected = new float[n + 1], gActual = new float[n + 1];
        SCALAR.reluBackward(n, x, 1, g, 2, gExpected, 1);
        VECTOR.reluBackward(n, x, 1, g, 2, gActual, 1);
        assertThat(gActual).containsExactly(gExpected);
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 3, 17, 100, 1023})
    void biasRowsMatchScalarExactly(int n) {
        Random rnd = new Random(91L * n);
        int m = 7, ld = n + 3, off = 2;
        float[] c = random(rnd, off + m * ld), bias = random(rnd, n + 1);
        float[] expected = c.clone(), actual = c.clone();
        SCALAR.addBiasRows(m, n, bias, 1, expected, off, ld);
        VECTOR.addBiasRows(m, n, bias, 1, actual, off, ld);
        assertThat(actual).containsExactly(expected);

        float[] sums = random(rnd, n + 2);
        float[] sExpected = sums.clone(), sActual = sums.clone();
        SCALAR.sumRows(m, n, c, off, ld, sExpected, 2);
        VECTOR.sumRows(m, n, c, off, ld, sActual, 2);
        assertThat(sActual).containsExactly(sExpected);
    }

    @Test
    void allZeroInputsGiveZeros() {
        int n = 1023;
        float[] z = new float[n];
        assertThat(VECTOR.dot(n, z, 0, z, 0)).isEqualTo(0f);
        assertThat(VECTOR.sum(n, z, 0)).isEqualTo(0f);
        float[] out = new float[n];
        java.util.Arrays.fill(out, Float.NaN);
        VECTOR.relu(n, z, 0, out, 0);
        assertThat(out).containsOnly(0f);
    }

    @Test
    void rejectsRangesOutsideTheArrayNamingTheInput() {
        float[] small = new float[10];
        assertThatThrownBy(() -> VECTOR.dot(11, small, 0, new float[20], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("a:");
        assertThatThrownBy(() -> VECTOR.axpy(5, 1f, small, 0, small, 6))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("y:");
        assertThatThrownBy(() -> VECTOR.sum(-1, small, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n must be >= 0");
    }
}
