package dev.sparrow.sparse;

import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.sparse.SparseTestData.Case;
import dev.sparrow.sparse.SparseTestData.MaskMaker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.sparrow.sparse.SparseTestData.nonzeros;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every format, every backend (scalar and Vector API), threads 1 and 2: round trip to dense, and every
 * kernel against a double-precision dense reference on odd shapes, with empty and full rows, all-zero
 * inputs, batches that are not multiples of the vector width, bias + ReLU, and NaN-poisoned outputs
 * (so an element a kernel forgets to write, or writes outside its range, fails).
 */
class SparseKernelsTest {
    private static final double TOLERANCE = 1e-5;
    private static final int[][] SHAPES = {{1, 1}, {3, 17}, {17, 3}, {33, 1000}, {1023, 17}, {1000, 1023}};
    private static final java.util.Set<String> BIG_SHAPE_CASES = java.util.Set.of("csr", "condensed-10%", "block16", "complementary10");
    private static ComputePool twoThreads;

    @BeforeAll
    static void startPool() {
        twoThreads = ComputePool.ofThreads(2);
    }

    @AfterAll
    static void stopPool() {
        twoThreads.close();
    }

    /** Every spec the registry lists for the format tests, with masks of the structure it needs. */
    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (String spec : FormatRegistry.testSpecs()) {
            FormatSpec format = FormatRegistry.parse(spec);
            masksFor(format.structure()).forEach((suffix, masks) -> cases.add(new Case(spec + suffix, masks, format::build)));
        }
        return cases;
    }

    /** Masks of one structure, by a name suffix where the structure has more than one variant worth testing. */
    private static Map<String, MaskMaker> masksFor(Structure structure) {
        Map<String, MaskMaker> masks = new LinkedHashMap<>();
        switch (structure) {
            case Structure.Unstructured u -> masks.put("", SparseTestData::unstructured);
            case Structure.ConstantFanIn c -> {
                masks.put("-10%", SparseTestData.constantFanIn(0.1));
                masks.put("-full", SparseTestData.constantFanIn(1.0));
            }
            case Structure.Blocks b -> masks.put("", SparseTestData.blocks(b.rows()));
            case Structure.NOfM nm -> masks.put("", SparseTestData.nm(nm.n(), nm.m()));
            case Structure.Banks b -> {
                int k = b.width() / 16 + 1; // 2 of 16, 3 of 32
                masks.put("k" + k, SparseTestData.banks(b.width(), k));
            }
            case Structure.Complementary c -> masks.put("", SparseTestData.complementary(c.groupSize()));
        }
        return masks;
    }

    private static final List<SparseKernels> BACKENDS = findBackends();

    static List<SparseKernels> backends() {
        return BACKENDS;
    }

    private static List<SparseKernels> findBackends() {
        List<SparseKernels> list = new ArrayList<>();
        list.add(SparseKernels.of(Backend.scalar()));
        Backend v = Backend.vectorOrNull();
        if (v != null) list.add(SparseKernels.of(v));
        return list;
    }

    @org.junit.jupiter.api.Test
    void theVectorBackendIsTestedWhereTheMachineHasUsefulVectors() {
        boolean useful = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
        assertThat(backends()).hasSize(useful ? 2 : 1);
        if (useful) assertThat(backends().get(1).name()).startsWith("vector-");
        System.out.println("sparse backends under test: " + backends().stream().map(SparseKernels::name).toList());
    }

    @TestFactory
    Stream<DynamicTest> everyFormatAndKernelMatchesTheDenseReference() {
        List<DynamicTest> tests = new ArrayList<>();
        long seed = 1000;
        for (Case cs : cases()) {
            // The 1000 x 1023 shape costs seconds while the vector code is still interpreted; odd sizes 1000
            // and 1023 are covered for every format by 33 x 1000 and 1023 x 17, so only a few formats run it.
            boolean big = BIG_SHAPE_CASES.contains(cs.name());
            for (int[] shape : SHAPES) {
                long s = seed++;
                if (!big && shape[0] * shape[1] > 100_000) continue;
                tests.add(DynamicTest.dynamicTest(cs.name() + " " + shape[0] + "x" + shape[1] + " seed " + s,
                        () -> check(cs, shape[0], shape[1], s)));
            }
        }
        return tests.stream();
    }

    private void check(Case cs, int rows, int cols, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] values = nonzeros(rnd, rows * cols);
        boolean[] mask = cs.masks().make(rows, cols, rnd);
        MaskedWeights w = MaskedWeights.of(values, mask, rows, cols, "test." + cs.name());
        PackedWeights m = cs.build().apply(w);
        float[] dense = w.toMaskedDense();

        assertExactlyEqual(m.toDense(), dense, "round trip of " + m.format() + " seed " + seed);
        assertThat(m.nnz()).as("nnz").isEqualTo(w.activeCount());
        assertThat(m.rows()).isEqualTo(rows);
        assertThat(m.cols()).isEqualTo(cols);
        assertThat(m.bytes()).isPositive();

        float[] bias = nonzeros(rnd, rows);
        int[] batches = (long) rows * cols > 100_000 ? new int[] {1, 3} : new int[] {1, 3, 17, 100};
        float[] x = nonzeros(rnd, cols);
        float[] zeros = new float[cols];
        float[] sparseX = sparsify(nonzeros(rnd, cols), rnd);
        Reference gemvRef = Reference.of(dense, rows, cols, x, 1, 1, bias);
        Reference zeroRef = Reference.of(dense, rows, cols, zeros, 1, 1, bias);
        Reference sparseRef = Reference.of(dense, rows, cols, sparseX, 1, 1, bias);
        List<Reference> spmmRefs = new ArrayList<>();
        List<float[]> spmmInputs = new ArrayList<>();
        for (int batch : batches) {
            int ldx = batch + 2;
            float[] xt = new float[1 + cols * ldx];
            for (int i = 0; i < xt.length; i++) xt[i] = SparseTestData.nonzero(rnd);
            if (batch == 3) Arrays.fill(xt, 0f); // an all-zero batch
            spmmInputs.add(xt);
            spmmRefs.add(Reference.of(dense, rows, cols, Arrays.copyOfRange(xt, 1, xt.length), ldx, batch, bias));
        }

        for (SparseKernels k : backends()) {
            for (ComputePool pool : List.of(ComputePool.serial(), twoThreads)) {
                String where = m.format() + " " + rows + "x" + cols + " seed " + seed + " on " + k.name()
                        + " threads " + pool.threads();
                for (boolean relu : new boolean[] {false, true}) {
                    float[] y = poisoned(rows + 7);
                    m.gemv(k, padded(x, 3), 3, y, 5, bias, relu, pool);
                    gemvRef.assertMatches(y, 5, 1, relu, "gemv " + where);
                    y = poisoned(rows + 7);
                    m.gemv(k, zeros, 0, y, 5, null, relu, pool);
                    zeroRef.assertMatchesWithoutBias(y, 5, relu, "gemv zero input, no bias " + where);
                    y = poisoned(rows);
                    m.gemv(k, zeros, 0, y, 0, bias, relu, pool);
                    zeroRef.assertMatches(y, 0, 1, relu, "gemv zero input " + where);
                }
                for (int i = 0; i < batches.length; i++) {
                    int batch = batches[i], ldx = batch + 2, ldy = batch + 1;
                    boolean relu = i % 2 == 1;
                    float[] yt = poisoned(2 + rows * ldy);
                    m.spmm(k, spmmInputs.get(i), 1, ldx, batch, yt, 2, ldy, bias, relu, pool);
                    spmmRefs.get(i).assertMatches(yt, 2, ldy, relu, "spmm batch " + batch + " relu " + relu + " " + where);
                }
                if (m instanceof SparseInputMatrix s) {
                    checkSparseInput(s, k, pool, sparseX, sparseRef, bias, rnd, where);
                }
            }
        }
    }

    private void checkSparseInput(SparseInputMatrix m, SparseKernels k, ComputePool pool, float[] sparseX,
                                  Reference ref, float[] bias, SplittableRandom rnd, String where) {
        int rows = m.rows(), cols = m.cols();
        int[] idx = new int[cols + 2];
        float[] vals = new float[cols + 2];
        int count = 0;
        for (int c = cols - 1; c >= 0; c--) { // descending: any order must work
            if (sparseX[c] != 0f) {
                idx[count] = c;
                vals[count++] = sparseX[c];
            }
        }
        for (boolean relu : new boolean[] {false, true}) {
            float[] y = poisoned(rows + 4);
            m.gemvSparseInput(k, idx, vals, count, y, 4, bias, relu);
            ref.assertMatches(y, 4, 1, relu, "gemvSparseInput " + count + " active " + where);
            y = poisoned(rows);
            m.gemvSparseInput(k, idx, vals, 0, y, 0, null, relu);
            for (int r = 0; r < rows; r++) assertThat(y[r]).as("no active input " + where).isEqualTo(0f);
            y = poisoned(rows);
            m.gemv(k, sparseX, 0, y, 0, bias, relu, pool);
            ref.assertMatches(y, 0, 1, relu, "gemv of a sparse dense-stored input " + where);
        }
        for (int batch : new int[] {1, 3, 17}) {
            int ldx = batch + 1, ldy = batch + 3;
            float[] xt = new float[cols * ldx];
            for (int i = 0; i < xt.length; i++) xt[i] = rnd.nextDouble() < 0.1 ? SparseTestData.nonzero(rnd) : 0f;
            Reference r = Reference.of(m.toDense(), rows, cols, xt, ldx, batch, bias);
            boolean relu = batch == 3;
            float[] yt = poisoned(rows * ldy);
            m.spmmSparseInput(k, xt, 0, ldx, batch, yt, 0, ldy, bias, relu, pool);
            r.assertMatches(yt, 0, ldy, relu, "spmmSparseInput batch " + batch + " " + where);
        }
    }

    /** AssertJ's containsExactly is quadratic on a mismatch of large arrays; report the first one instead. */
    static void assertExactlyEqual(float[] got, float[] want, String what) {
        assertThat(got.length).as(what + ": length").isEqualTo(want.length);
        int i = Arrays.mismatch(got, want);
        if (i >= 0) fail(what + ": element " + i + " is " + got[i] + ", expected " + want[i]);
    }

    private static float[] sparsify(float[] x, SplittableRandom rnd) {
        for (int i = 0; i < x.length; i++) if (rnd.nextDouble() >= 0.1) x[i] = 0f;
        return x;
    }

    private static float[] padded(float[] x, int off) {
        float[] p = new float[x.length + off + 2];
        Arrays.fill(p, Float.NaN); // the kernel must not read outside x
        System.arraycopy(x, 0, p, off, x.length);
        return p;
    }

    private static float[] poisoned(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }

    /** act(W X + b) in double, with the sum of |terms| per output to scale the tolerance. */
    record Reference(int rows, int batch, double[] value, double[] scale, double[] bias) {
        static Reference of(float[] dense, int rows, int cols, float[] xt, int ldx, int batch, float[] bias) {
            double[] v = new double[rows * batch], s = new double[rows * batch], b = new double[rows];
            for (int r = 0; r < rows; r++) {
                b[r] = bias[r];
                for (int j = 0; j < batch; j++) {
                    double acc = bias[r], abs = Math.abs(bias[r]);
                    for (int c = 0; c < cols; c++) {
                        double t = (double) dense[r * cols + c] * xt[c * ldx + j];
                        acc += t;
                        abs += Math.abs(t);
                    }
                    v[r * batch + j] = acc;
                    s[r * batch + j] = abs;
                }
            }
            return new Reference(rows, batch, v, s, b);
        }

        void assertMatches(float[] y, int off, int ld, boolean relu, String what) {
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < batch; j++) {
                    double want = value[r * batch + j];
                    if (relu) want = Math.max(0.0, want);
                    float got = y[off + r * ld + j];
                    double tol = TOLERANCE * scale[r * batch + j] + 1e-30;
                    if (!(Math.abs(got - want) <= tol)) {
                        fail(what + ": y[" + r + "][" + j + "] = " + got + ", expected " + want + " +- " + tol);
                    }
                }
                for (int j = batch; j < ld; j++) {
                    if (!Float.isNaN(y[off + r * ld + j])) fail(what + ": wrote padding y[" + r + "][" + j + "]");
                }
            }
            for (int i = 0; i < off; i++) if (!Float.isNaN(y[i])) fail(what + ": wrote before the output at " + i);
            for (int i = off + (rows - 1) * ld + batch; i < y.length; i++) {
                if (!Float.isNaN(y[i])) fail(what + ": wrote after the output at " + i);
            }
        }

        /** The all-zero input with no bias: every output is exactly zero. */
        void assertMatchesWithoutBias(float[] y, int off, boolean relu, String what) {
            for (int r = 0; r < rows; r++) {
                if (y[off + r] != 0f) fail(what + ": y[" + r + "] = " + y[off + r] + ", expected 0");
            }
            for (int i = 0; i < off; i++) if (!Float.isNaN(y[i])) fail(what + ": wrote before the output at " + i);
            for (int i = off + rows; i < y.length; i++) if (!Float.isNaN(y[i])) fail(what + ": wrote after the output at " + i);
        }
    }
}
