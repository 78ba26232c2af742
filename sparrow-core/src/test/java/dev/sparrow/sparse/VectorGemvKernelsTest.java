package dev.sparrow.sparse;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.sparrow.sparse.SparseTestData.nonzeros;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The batch-1 paths of {@link VectorGemvKernels} that the machine's vector width may not select (both
 * condensed variants, whatever the width), and the chunked sparse-input scatters over many chunks,
 * each against the scalar reference. Outputs are poisoned first, so an unwritten row fails.
 */
class VectorGemvKernelsTest {
    private static final ScalarSparseKernels REF = ScalarSparseKernels.INSTANCE;
    private static final int[][] SHAPES = {{1, 1}, {7, 3}, {17, 40}, {33, 1000}, {250, 77}};

    private static void assertClose(float[] got, float[] want, String what) {
        float max = 0f;
        for (float v : want) max = Math.max(max, Math.abs(v));
        for (int i = 0; i < want.length; i++) {
            assertThat(Math.abs(got[i] - want[i])).as(what + " row " + i).isLessThanOrEqualTo(1e-5f * Math.max(1f, max));
        }
    }

    @Test
    void bothCondensedPathsMatchTheScalarReference() {
        long seed = 41;
        System.out.println("VectorGemvKernelsTest seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int[] s : SHAPES) {
            int rows = s[0], cols = s[1];
            for (double fraction : new double[] {0.1, 1.0}) {
                boolean[] mask = SparseTestData.constantFanIn(fraction).make(rows, cols, rnd);
                CondensedFanIn w = CondensedFanIn.from(MaskedWeights.of(nonzeros(rnd, rows * cols), mask, rows, cols, "t"));
                float[] x = nonzeros(rnd, cols + 3);
                float[] bias = nonzeros(rnd, rows);
                for (boolean relu : new boolean[] {false, true}) {
                    float[] want = new float[rows + 2];
                    REF.condensedGemv(w, x, 3, want, 2, bias, relu, 0, w.groups);
                    float[] gather = new float[rows + 2], hybrid = new float[rows + 2];
                    Arrays.fill(gather, Float.NaN);
                    Arrays.fill(hybrid, Float.NaN);
                    VectorGemvKernels.condensedGemvGather(w, x, 3, gather, 2, bias, relu, 0, w.groups);
                    String what = rows + "x" + cols + " fan-in " + fraction + " relu " + relu;
                    assertClose(Arrays.copyOfRange(gather, 2, rows + 2), Arrays.copyOfRange(want, 2, rows + 2), "gather " + what);
                    // The hybrid gathers at 256 bits, and a JVM must gather at one width only (see
                    // VectorGemvKernels.condensedGemv): it runs, and is tested, where vectors are 256-bit.
                    if (VectorSupport.L == 8) {
                        VectorGemvKernels.condensedGemvHybrid(w, x, 3, hybrid, 2, bias, relu, 0, w.groups);
                        assertClose(Arrays.copyOfRange(hybrid, 2, rows + 2), Arrays.copyOfRange(want, 2, rows + 2), "hybrid " + what);
                    }
                }
            }
        }
    }

    @Test
    void chunkedScattersMatchTheScalarReferenceOverManyChunks() {
        SplittableRandom rnd = new SplittableRandom(43);
        int rows = 45, cols = 300; // several groups of 10 and 5 * CHUNK active columns, some of them empty in CSC
        boolean[] unstructured = SparseTestData.unstructured(rows, cols, rnd);
        for (int c = 0; c < cols; c += 7) for (int r = 0; r < rows; r++) unstructured[r * cols + c] = false;
        float[] values = nonzeros(rnd, rows * cols);
        Csc csc = Csc.from(MaskedWeights.of(values, unstructured, rows, cols, "t"));
        ComplementaryPacked comp = ComplementaryPacked.from(MaskedWeights.of(values,
                SparseTestData.complementary(10).make(rows, cols, rnd), rows, cols, "t"), 10);
        int count = 5 * VectorGemvKernels.CHUNK + 3;
        int[] idx = new int[count];
        float[] vals = nonzeros(rnd, count);
        for (int i = 0; i < count; i++) idx[i] = (i * 37) % cols; // distinct: 37 and 300 are coprime
        float[] init = nonzeros(rnd, rows + 1);
        float[] want = init.clone(), got = init.clone();
        REF.cscScatterSparse(csc, idx, vals, count, want, 1);
        VectorGemvKernels.cscScatterSparse(csc, idx, vals, count, got, 1);
        assertClose(got, want, "csc");
        want = init.clone();
        got = init.clone();
        REF.complementaryScatterSparse(comp, idx, vals, count, want, 1);
        VectorGemvKernels.complementaryScatterSparse(comp, idx, vals, count, got, 1);
        assertClose(got, want, "complementary");
    }
}
