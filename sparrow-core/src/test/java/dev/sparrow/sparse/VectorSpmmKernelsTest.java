package dev.sparrow.sparse;

import dev.sparrow.kernel.Backend;
import dev.sparrow.sparse.SparseTestData.Case;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.sparrow.sparse.SparseTestData.nonzeros;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The batched Vector API row kernels called directly on row ranges: batches just under, at and just over
 * both batch tiles (2 and 4 vectors) and several tiles plus a tail, ranges that start and end off the 4-row register tile
 * and off the 16-row interleaving, and outputs outside the range that must stay poisoned.
 */
class VectorSpmmKernelsTest {
    private static final double TOLERANCE = 1e-5;
    private static final int T = VectorSpmmKernels.TILE;
    private static final int W = VectorSpmmKernels.WIDE_TILE;
    private static final int[] BATCHES = {1, T - 1, T, T + 1, W - 1, W, W + 1, 3 * W + 5};

    private static List<Case> cases() {
        return List.of(
                new Case("csr", SparseTestData::unstructured, Csr::from),
                new Case("condensed-10%", SparseTestData.constantFanIn(0.1), CondensedFanIn::from),
                new Case("condensed-full", SparseTestData.constantFanIn(1.0), CondensedFanIn::from),
                new Case("block4x1", SparseTestData.blocks(4), w -> BlockSparse.from(w, 4)),
                new Case("block16x1", SparseTestData.blocks(16), w -> BlockSparse.from(w, 16)),
                new Case("nm1:8", SparseTestData.nm(1, 8), w -> NmPacked.from(w, 1, 8)),
                new Case("nm3:32", SparseTestData.nm(3, 32), w -> NmPacked.from(w, 3, 32)),
                new Case("bank16k2", SparseTestData.banks(16, 2), w -> BankBalanced.from(w, 16)));
    }

    @TestFactory
    Stream<DynamicTest> tilesTailsAndRowRangesMatchTheDenseReference() {
        Backend v = Backend.vectorOrNull();
        Assumptions.assumeTrue(v != null, "no useful vectors on this machine");
        SparseKernels k = SparseKernels.of(v);
        List<DynamicTest> tests = new ArrayList<>();
        long seed = 7000;
        for (Case cs : cases()) {
            // 21 x 1601: wide enough (over 192 KiB of 4-vector tile) for the narrow csr and condensed paths.
            for (int[] shape : new int[][] {{45, 70}, {38, 9}, {21, 1601}}) {
                long s = seed++;
                tests.add(DynamicTest.dynamicTest(cs.name() + " " + shape[0] + "x" + shape[1] + " seed " + s,
                        () -> check(k, cs, shape[0], shape[1], s)));
            }
        }
        return tests.stream();
    }

    private void check(SparseKernels k, Case cs, int rows, int cols, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        MaskedWeights w = MaskedWeights.of(nonzeros(rnd, rows * cols), cs.masks().make(rows, cols, rnd), rows, cols,
                "test." + cs.name());
        PackedWeights m = cs.build().apply(w);
        float[] dense = w.toMaskedDense();
        float[] bias = nonzeros(rnd, rows);
        for (int batch : BATCHES) {
            int ldx = batch + 3, ldy = batch + 2, xtOff = 1, ytOff = 4;
            float[] xt = nonzeros(rnd, xtOff + cols * ldx);
            boolean relu = batch % 2 == 1;
            // Unit ranges with odd edges: [0, 1), [1, 6), [6, units - 1), [units - 1, units).
            int units = m instanceof BlockSparse b ? b.blockRows : rows;
            int[] edges = units >= 8 ? new int[] {0, 1, 6, units - 1, units} : new int[] {0, units};
            for (int e = 0; e + 1 < edges.length; e++) {
                int from = edges[e], to = edges[e + 1];
                float[] yt = poisoned(ytOff + rows * ldy + 3);
                run(k, m, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, from, to);
                int rowFrom = m instanceof BlockSparse b ? from * b.blockHeight : from;
                int rowTo = m instanceof BlockSparse b ? Math.min(rows, to * b.blockHeight) : to;
                String where = cs.name() + " " + rows + "x" + cols + " batch " + batch + " units [" + from + ", " + to
                        + ") relu " + relu + " seed " + seed + " on " + k.name();
                for (int i = 0; i < yt.length; i++) {
                    int r = (i - ytOff) / ldy, j = (i - ytOff) % ldy;
                    boolean written = i >= ytOff && r >= rowFrom && r < rowTo && j < batch;
                    if (!written) {
                        assertThat(yt[i]).as("untouched element %d, %s", i, where).isNaN();
                        continue;
                    }
                    double acc = bias[r], scale = Math.abs(bias[r]);
                    for (int c = 0; c < cols; c++) {
                        double t = (double) dense[r * cols + c] * xt[xtOff + c * ldx + j];
                        acc += t;
                        scale += Math.abs(t);
                    }
                    double want = relu ? Math.max(0, acc) : acc;
                    assertThat((double) yt[i]).as("row %d column %d, %s", r, j, where)
                            .isCloseTo(want, org.assertj.core.data.Offset.offset(TOLERANCE * scale + 1e-30));
                }
            }
        }
    }

    private static void run(SparseKernels k, PackedWeights m, float[] xt, int xtOff, int ldx, int batch, float[] yt,
                            int ytOff, int ldy, float[] bias, boolean relu, int from, int to) {
        switch (m) {
            case Csr c -> k.csrSpmm(c, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, from, to);
            case CondensedFanIn c -> k.condensedSpmm(c, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, from, to);
            case BlockSparse b -> k.blockSpmm(b, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, from, to);
            case PackedGroups p -> k.packedSpmm(p, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, from, to);
            default -> throw new IllegalArgumentException(m.format());
        }
    }

    private static float[] poisoned(int n) {
        float[] y = new float[n];
        java.util.Arrays.fill(y, Float.NaN);
        return y;
    }
}
