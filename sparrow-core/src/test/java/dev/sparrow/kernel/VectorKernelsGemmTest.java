package dev.sparrow.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** VectorKernels.gemm and gemv against the scalar reference, at odd sizes, all transposes, both pools. */
class VectorKernelsGemmTest {
    private static final Kernels VECTOR = VectorKernels.createIfUseful();
    private static final Kernels SCALAR = ScalarKernels.INSTANCE;
    private static final ComputePool TWO_THREADS = ComputePool.ofThreads(2);
    /** Written around every operand; it must be there, unchanged, afterwards. */
    private static final float GUARD = 12345.5f;

    @AfterAll
    static void closePool() {
        TWO_THREADS.close();
    }

    static Stream<Arguments> gemmCases() {
        // Big enough shapes (m*n*k >= 2^21) take the threaded path: most split columns, n = 30 splits rows;
        // n = 530 > 512 needs two column blocks; k > 256 needs several depth blocks.
        int[][] shapes = {
            {1, 1, 1}, {3, 3, 3}, {17, 17, 17}, {100, 100, 100}, {1, 1023, 17}, {1023, 1, 17}, {17, 1023, 1},
            {3, 100, 1023}, {37, 50, 300}, {100, 530, 40}, {5, 1023, 420}, {40, 60, 1023}, {1023, 17, 100}, {1023, 30, 100},
        };
        List<Arguments> cases = new ArrayList<>();
        long seed = 1000;
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                for (float beta : new float[] {0f, 1f, -0.5f}) {
                    for (int threads : new int[] {1, 2}) {
                        if (beta == -0.5f && threads == 2) continue; // beta's arithmetic does not depend on threads
                        cases.add(Arguments.of(s[0], s[1], s[2], (t & 2) != 0, (t & 1) != 0, beta, threads, seed++));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} tA={3} tB={4} beta={5} threads={6} seed={7}")
    @MethodSource("gemmCases")
    void gemmMatchesScalar(int m, int n, int k, boolean transA, boolean transB, float beta, int threads, long seed) {
        Random rnd = new Random(seed);
        // Stored shapes, with an offset and a leading dimension wider than the rows.
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        Operand a = Operand.random(rnd, aRows, aCols);
        Operand b = Operand.random(rnd, bRows, bCols);
        Operand c = Operand.random(rnd, m, n);
        if (beta == 0f) c.fillInside(Float.NaN); // poison: beta = 0 must not read C

        float[] expected = c.data.clone();
        SCALAR.gemm(transA, transB, m, n, k, a.data, a.off, a.ld, b.data, b.off, b.ld, beta, expected, c.off, c.ld,
                ComputePool.serial());
        // |a| x |b| (+ |beta c|) bounds the rounding error of each element.
        float[] magnitude = c.absInside();
        SCALAR.gemm(transA, transB, m, n, k, abs(a.data), a.off, a.ld, abs(b.data), b.off, b.ld,
                beta == 0f ? 0f : Math.abs(beta), magnitude, c.off, c.ld, ComputePool.serial());

        ComputePool pool = threads == 1 ? ComputePool.serial() : TWO_THREADS;
        VECTOR.gemm(transA, transB, m, n, k, a.data, a.off, a.ld, b.data, b.off, b.ld, beta, c.data, c.off, c.ld, pool);

        double tol = 2e-6 * Math.sqrt(k + 1.0);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int idx = c.off + i * c.ld + j;
                // Checked by hand, asserted only on failure: an assertion per element is slow.
                if (!(Math.abs(c.data[idx] - (double) expected[idx]) <= tol * magnitude[idx] + 1e-30)) {
                    assertThat((double) c.data[idx]).as("C[%d][%d] (seed %d)", i, j, seed)
                            .isCloseTo(expected[idx], org.assertj.core.data.Offset.offset(tol * magnitude[idx]));
                }
            }
        }
        c.assertGuardsIntact("C");
        a.assertGuardsIntact("A");
        b.assertGuardsIntact("B");
    }

    static Stream<Arguments> packedCases() {
        // rows x cols of W, batch n: rows not multiples of the panel (8 or 16) nor of MR, odd depths, several
        // depth blocks (cols > 256), threaded shapes (rows x n x cols >= 2^21) split by rows (n = 30) and columns.
        int[][] shapes = {{1, 1, 1}, {3, 17, 5}, {17, 3, 100}, {33, 1, 1000}, {100, 7, 257}, {1023, 30, 100},
            {300, 256, 77}, {16, 64, 513}, {769, 3, 31}};
        List<Arguments> cases = new ArrayList<>();
        long seed = 5000;
        for (int[] sh : shapes) {
            for (float beta : new float[] {0f, -0.5f}) {
                for (int threads : new int[] {1, 2}) cases.add(Arguments.of(sh[0], sh[1], sh[2], beta, threads, seed++));
            }
        }
        return cases.stream();
    }

    /** Packed W: gemm (C = W B) and gemv (y = W x), vector and scalar, against the scalar kernels on W unpacked. */
    @ParameterizedTest(name = "rows={0} n={1} cols={2} beta={3} threads={4} seed={5}")
    @MethodSource("packedCases")
    void packedWeightsMatchTheUnpackedProducts(int rows, int n, int cols, float beta, int threads, long seed) {
        Random rnd = new Random(seed);
        Operand w = Operand.random(rnd, rows, cols);
        Operand b = Operand.random(rnd, cols, n);
        ComputePool pool = threads == 1 ? ComputePool.serial() : TWO_THREADS;
        for (Kernels k : List.of(VECTOR, SCALAR)) {
            PackedDenseMatrix packed = k.pack(w.data, w.off, w.ld, rows, cols);
            assertThat(packed.rows()).isEqualTo(rows);
            assertThat(packed.get(rows - 1, cols - 1)).isEqualTo(w.data[w.off + (rows - 1) * w.ld + cols - 1]);

            Operand c = Operand.random(rnd, rows, n);
            if (beta == 0f) c.fillInside(Float.NaN); // poison: beta = 0 must not read C
            float[] expected = c.data.clone();
            SCALAR.gemm(false, false, rows, n, cols, w.data, w.off, w.ld, b.data, b.off, b.ld, beta, expected, c.off, c.ld,
                    ComputePool.serial());
            k.gemm(packed, n, b.data, b.off, b.ld, beta, c.data, c.off, c.ld, pool);
            assertClose(c.data, expected, cols, k.name() + " packed gemm, seed " + seed);
            c.assertGuardsIntact("C");

            float[] x = new float[cols + 3];
            for (int j = 0; j < x.length; j++) x[j] = rnd.nextFloat() * 2f - 1f;
            float[] y = new float[rows + 5];
            java.util.Arrays.fill(y, beta == 0f ? Float.NaN : 0.25f);
            y[0] = y[rows + 2] = GUARD;
            float[] yExpected = y.clone();
            SCALAR.gemv(false, rows, cols, w.data, w.off, w.ld, x, 2, beta, yExpected, 1, ComputePool.serial());
            k.gemv(packed, x, 2, beta, y, 1, pool);
            assertClose(y, yExpected, cols, k.name() + " packed gemv, seed " + seed);
            assertThat(y[0]).isEqualTo(GUARD);
            assertThat(y[rows + 2]).as("y past its rows").isEqualTo(GUARD);
        }
        w.assertGuardsIntact("W");
    }

    @Test
    void packedWeightsFromOtherKernelsAreRefusedWithTheReason() {
        PackedDenseMatrix odd = PackedDenseMatrix.pack(new float[12], 0, 4, 3, 4, 3);
        assertThatThrownBy(() -> VECTOR.gemv(odd, new float[4], 0, 0f, new float[3], 0, ComputePool.serial()))
                .hasMessageContaining("panels of 3 rows").hasMessageContaining("pack them with the kernels that use them");
        assertThatThrownBy(() -> VECTOR.pack(new float[10], 0, 4, 3, 4))
                .hasMessageContaining("3 x 4 matrix").hasMessageContaining("array of 10");
    }

    /** Each element within the rounding of a depth-cols sum of products of magnitudes <= 1 (+ beta C). */
    private static void assertClose(float[] actual, float[] expected, int depth, String what) {
        double tol = 4e-6 * (depth + 2);
        for (int i = 0; i < actual.length; i++) {
            if (!(Math.abs(actual[i] - (double) expected[i]) <= tol)) {
                assertThat((double) actual[i]).as("%s, element %d", what, i)
                        .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(tol));
            }
        }
    }

    /** The surefire run with -Dsparrow.gemm.rows=8 really runs the 8-row tile (what 512-bit machines get). */
    @Test
    void registerTileRowsFollowTheWidthOrTheProperty() {
        String forced = System.getProperty(PackedGemm.ROWS_PROPERTY);
        int expected = forced != null ? Integer.parseInt(forced) : PackedGemm.SPECIES.length() >= 16 ? 8 : 4;
        System.out.println("PackedGemm register tile: " + PackedGemm.MR + " rows x " + PackedGemm.NR + " columns");
        assertThat(PackedGemm.MR).isEqualTo(expected);
    }

    @Test
    void gemmOfZerosOverNaNIsExactlyZero() {
        for (int threads : new int[] {1, 2}) {
            int m = 14, n = 530, k = 300; // >= 2^21 multiply-adds: the threaded path
            float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
            java.util.Arrays.fill(c, Float.NaN);
            VECTOR.gemm(false, true, m, n, k, a, 0, k, b, 0, k, 0f, c, 0, n,
                    threads == 1 ? ComputePool.serial() : TWO_THREADS);
            for (float v : c) assertThat(v).isEqualTo(0f);
        }
    }

    @Test
    void gemmWithEmptyDepthScalesC() {
        float[] c = {1f, 2f, 3f, 4f};
        VECTOR.gemm(false, false, 2, 2, 0, new float[0], 0, 1, new float[0], 0, 2, 0.5f, c, 0, 2, ComputePool.serial());
        assertThat(c).containsExactly(0.5f, 1f, 1.5f, 2f);
        float[] poisoned = {Float.NaN, Float.NaN};
        VECTOR.gemm(false, false, 1, 2, 0, new float[0], 0, 1, new float[0], 0, 2, 0f, poisoned, 0, 2, ComputePool.serial());
        assertThat(poisoned).containsExactly(0f, 0f);
    }

    @Test
    void gemmRejectsBadArgumentsNamingThem() {
        float[] x = new float[12];
        assertThatThrownBy(() -> VECTOR.gemm(false, false, -1, 2, 2, x, 0, 2, x, 0, 2, 0f, x, 0, 2, ComputePool.serial()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("m must be >= 0");
        assertThatThrownBy(() -> VECTOR.gemm(false, false, 3, 3, 3, x, 0, 3, x, 0, 3, 0f, new float[8], 0, 3,
                ComputePool.serial()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("C (m x n)");
        assertThatThrownBy(() -> VECTOR.gemm(false, true, 2, 2, 4, x, 0, 4, x, 0, 3, 0f, x, 0, 2, ComputePool.serial()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("B (transposed");
    }

    static Stream<Arguments> gemvCases() {
        int[][] shapes = {{1, 1}, {3, 17}, {17, 3}, {100, 100}, {1, 1023}, {1023, 1}, {1023, 17}, {700, 300}, {300, 700}};
        List<Arguments> cases = new ArrayList<>();
        long seed = 5000;
        for (int[] s : shapes) {
            for (boolean trans : new boolean[] {false, true}) {
                for (float beta : new float[] {0f, 1f}) {
                    for (int threads : new int[] {1, 2}) cases.add(Arguments.of(s[0], s[1], trans, beta, threads, seed++));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "m={0} n={1} trans={2} beta={3} threads={4} seed={5}")
    @MethodSource("gemvCases")
    void gemvMatchesScalar(int m, int n, boolean trans, float beta, int threads, long seed) {
        Random rnd = new Random(seed);
        Operand a = Operand.random(rnd, m, n);
        Operand x = Operand.random(rnd, 1, trans ? m : n);
        Operand y = Operand.random(rnd, 1, trans ? n : m);
        if (beta == 0f) y.fillInside(Float.NaN);
        float[] expected = y.data.clone();
        SCALAR.gemv(trans, m, n, a.data, a.off, a.ld, x.data, x.off, beta, expected, y.off, ComputePool.serial());
        float[] magnitude = y.absInside();
        SCALAR.gemv(trans, m, n, abs(a.data), a.off, a.ld, abs(x.data), x.off, beta == 0f ? 0f : 1f, magnitude, y.off,
                ComputePool.serial());

        VECTOR.gemv(trans, m, n, a.data, a.off, a.ld, x.data, x.off, beta, y.data, y.off,
                threads == 1 ? ComputePool.serial() : TWO_THREADS);

        int len = trans ? n : m;
        double tol = 2e-6 * Math.sqrt((trans ? m : n) + 1.0);
        for (int i = 0; i < len; i++) {
            int idx = y.off + i;
            assertThat((double) y.data[idx]).as("y[%d] (seed %d)", i, seed)
                    .isCloseTo(expected[idx], org.assertj.core.data.Offset.offset(tol * magnitude[idx] + 1e-30));
        }
        y.assertGuardsIntact("y");
    }

    private static float[] abs(float[] v) {
        float[] r = v.clone();
        for (int i = 0; i < r.length; i++) r[i] = Math.abs(r[i]);
        return r;
    }

    /** A rows x cols matrix at a random offset with a padded leading dimension, guards everywhere else. */
    private record Operand(float[] data, int off, int ld, int rows, int cols) {
        static Operand random(Random rnd, int rows, int cols) {
            int off = 1 + rnd.nextInt(5);
            int ld = cols + rnd.nextInt(4);
            float[] data = new float[off + rows * ld + 3];
            java.util.Arrays.fill(data, GUARD);
            Operand o = new Operand(data, off, ld, rows, cols);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) data[off + i * ld + j] = rnd.nextFloat() * 2f - 1f;
            }
            return o;
        }

        void fillInside(float v) {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) data[off + i * ld + j] = v;
            }
        }

        /** |data| inside the matrix (NaN counted as 0: beta = 0 ignores it), guards elsewhere. */
        float[] absInside() {
            float[] r = data.clone();
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    int idx = off + i * ld + j;
                    r[idx] = Float.isNaN(r[idx]) ? 0f : Math.abs(r[idx]);
                }
            }
            return r;
        }

        void assertGuardsIntact(String name) {
            for (int idx = 0; idx < data.length; idx++) {
                int rel = idx - off;
                boolean inside = rel >= 0 && rel / ld < rows && rel % ld < cols;
                if (!inside && data[idx] != GUARD) assertThat(data[idx]).as("%s guard at %d", name, idx).isEqualTo(GUARD);
            }
        }
    }
}
