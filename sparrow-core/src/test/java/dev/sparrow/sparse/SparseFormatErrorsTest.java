package dev.sparrow.sparse;

import dev.sparrow.kernel.ComputePool;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Masks a format cannot represent, bad arguments, and the 32-bit index fallbacks. */
class SparseFormatErrorsTest {
    private static final String LAYER = "encoder.fc1";

    private static MaskedWeights weights(int rows, int cols, boolean[] mask) {
        return MaskedWeights.of(SparseTestData.nonzeros(new SplittableRandom(7), rows * cols), mask, rows, cols, LAYER);
    }

    private static boolean[] mask(int rows, int cols, int... activeRowColPairs) {
        boolean[] m = new boolean[rows * cols];
        for (int i = 0; i < activeRowColPairs.length; i += 2) m[activeRowColPairs[i] * cols + activeRowColPairs[i + 1]] = true;
        return m;
    }

    @Test
    void condensedFanInRejectsUnequalRowsNamingLayerAndRow() {
        MaskedWeights w = weights(3, 8, mask(3, 8, 0, 1, 0, 2, 2, 5)); // row 0 has 2, row 2 has 1
        assertThatThrownBy(() -> CondensedFanIn.from(w))
                .isInstanceOf(UnsupportedMaskException.class)
                .hasMessageContaining("layer 'encoder.fc1'").hasMessageContaining("condensed-fanin")
                .hasMessageContaining("row 2 has 1 active weights");
    }

    @Test
    void condensedFanInAcceptsEmptyRowsAndRejectsWideInputs() {
        CondensedFanIn m = CondensedFanIn.from(weights(3, 8, mask(3, 8, 0, 1, 2, 5)));
        assertThat(m.fanIn()).isEqualTo(1);
        assertThat(m.nnz()).isEqualTo(2);
        assertThatThrownBy(() -> CondensedFanIn.from(weights(1, 65537, new boolean[65537])))
                .isInstanceOf(UnsupportedMaskException.class).hasMessageContaining(LAYER).hasMessageContaining("65536");
    }

    @Test
    void blocksMustBeAllOrNothing() {
        MaskedWeights w = weights(8, 3, mask(8, 3, 4, 1, 5, 1, 6, 1)); // rows 4..7 of column 1: 3 of 4
        assertThatThrownBy(() -> BlockSparse.from(w, 4))
                .isInstanceOf(UnsupportedMaskException.class)
                .hasMessageContaining("layer 'encoder.fc1'").hasMessageContaining("block4x1")
                .hasMessageContaining("rows 4..7 of column 1 have 3 of 4");
        assertThatThrownBy(() -> BlockSparse.from(w, 8)).hasMessageContaining(LAYER).hasMessageContaining("4 or 16");
    }

    @Test
    void nmRejectsGroupsWithMoreThanN() {
        MaskedWeights w = weights(2, 8, mask(2, 8, 1, 4, 1, 6)); // row 1, group 4..7 has 2
        assertThatThrownBy(() -> NmPacked.from(w, 1, 4))
                .isInstanceOf(UnsupportedMaskException.class)
                .hasMessageContaining("layer 'encoder.fc1'").hasMessageContaining("nm1:4")
                .hasMessageContaining("row 1, columns 4..7 have 2");
        assertThat(NmPacked.from(w, 2, 4).nnz()).isEqualTo(2);
        assertThatThrownBy(() -> NmPacked.from(w, 3, 2)).hasMessageContaining(LAYER).hasMessageContaining("3:2");
    }

    @Test
    void bankBalancedRejectsUnequalBanks() {
        MaskedWeights w = weights(1, 8, mask(1, 8, 0, 0, 0, 1, 0, 5)); // bank 0 has 2, bank 1 has 1
        assertThatThrownBy(() -> BankBalanced.from(w, 4))
                .isInstanceOf(UnsupportedMaskException.class)
                .hasMessageContaining("layer 'encoder.fc1'").hasMessageContaining("bank4")
                .hasMessageContaining("bank 1 (columns 4..7) has 1");
        assertThat(BankBalanced.from(weights(1, 8, mask(1, 8, 0, 0, 0, 6)), 4).perBank()).isEqualTo(1);
    }

    @Test
    void complementaryRejectsOverlappingMasks() {
        MaskedWeights w = weights(4, 3, mask(4, 3, 0, 0, 1, 1, 2, 2, 3, 2)); // rows 2 and 3 share column 2
        assertThatThrownBy(() -> ComplementaryPacked.from(w, 2))
                .isInstanceOf(UnsupportedMaskException.class)
                .hasMessageContaining("layer 'encoder.fc1'").hasMessageContaining("complementary2")
                .hasMessageContaining("rows 2 and 3 both use column 2");
        assertThat(ComplementaryPacked.from(w, 1).nnz()).isEqualTo(4);
    }

    @Test
    void shapeErrorsNameTheLayer() {
        assertThatThrownBy(() -> MaskedWeights.of(new float[6], new float[5], 2, 3, LAYER))
                .hasMessageContaining(LAYER).hasMessageContaining("mask must have rows*cols = 6");
        assertThatThrownBy(() -> MaskedWeights.of(new float[5], new boolean[6], 2, 3, LAYER))
                .hasMessageContaining(LAYER).hasMessageContaining("values must have");
        assertThatThrownBy(() -> MaskedWeights.of(new float[0], new boolean[0], 0, 3, LAYER))
                .hasMessageContaining(LAYER).hasMessageContaining(">= 1");
    }

    @Test
    void kernelArgumentErrorsNameTheLayerAndArgument() {
        Csr m = Csr.from(weights(4, 3, mask(4, 3, 0, 0, 3, 2)));
        assertThatThrownBy(() -> m.gemv(new float[2], 0, new float[4], 0, null, false))
                .hasMessageContaining("layer 'encoder.fc1' (csr16)").hasMessageContaining("x needs 3 elements");
        assertThatThrownBy(() -> m.gemv(new float[3], 0, new float[4], 1, null, false))
                .hasMessageContaining("y needs 4 elements from offset 1");
        assertThatThrownBy(() -> m.gemv(new float[3], 0, new float[4], 0, new float[3], false))
                .hasMessageContaining("bias has 3 elements");
        assertThatThrownBy(() -> m.spmm(new float[9], 0, 3, 3, new float[12], 0, 2, null, false, ComputePool.serial()))
                .hasMessageContaining("leading dimension of yt is 2, less than batch 3");
        assertThatThrownBy(() -> m.spmm(new float[8], 0, 3, 3, new float[12], 0, 3, null, false, ComputePool.serial()))
                .hasMessageContaining("xt needs 3 rows of 3");
        Csc c = Csc.from(weights(4, 3, mask(4, 3, 0, 0, 3, 2)));
        assertThatThrownBy(() -> c.gemvSparseInput(new int[] {1, 3}, new float[2], 2, new float[4], 0, null, false))
                .hasMessageContaining("layer 'encoder.fc1' (csc16)").hasMessageContaining("activeIdx[1] = 3");
        assertThatThrownBy(() -> c.gemvSparseInput(new int[] {1}, new float[1], 2, new float[4], 0, null, false))
                .hasMessageContaining("count 2 exceeds");
    }

    @Test
    void formatsAreBuiltFromSpecs() {
        MaskedWeights w = weights(4, 16, mask(4, 16, 0, 0, 1, 9, 2, 3, 3, 15));
        assertThat(SparseFormats.build("csr", w).format()).isEqualTo("csr16");
        assertThat(SparseFormats.build("nm1:8", w).format()).isEqualTo("nm1:8");
        assertThat(SparseFormats.build("bank16", w).format()).isEqualTo("bank16(k=1)");
        assertThat(SparseFormats.build("complementary4", w).format()).isEqualTo("complementary4");
        assertThat(SparseFormats.build("condensed", w).format()).isEqualTo("condensed-fanin(k=1)");
        assertThat(SparseFormats.tryBuild("block4", w)).isNull();
        for (String spec : SparseFormats.EXAMPLES) {
            PackedWeights m = SparseFormats.tryBuild(spec, w);
            if (m != null) SparseKernelsTest.assertExactlyEqual(m.toDense(), w.toMaskedDense(), spec);
        }
        assertThatThrownBy(() -> SparseFormats.build("ell", w)).hasMessageContaining(LAYER).hasMessageContaining("'ell'");
    }

    /** Wide layers fall back to 32-bit indices; every backend must still match the dense result. */
    @Test
    void wideMatricesUse32BitIndices() {
        int wide = 70_000;
        SplittableRandom rnd = new SplittableRandom(11);
        boolean[] rowMask = new boolean[2 * wide];
        for (int i = 0; i < rowMask.length; i++) rowMask[i] = rnd.nextDouble() < 0.01;
        boolean[] blockMask = new boolean[4 * wide];
        for (int c = 0; c < wide; c++) {
            boolean on = rnd.nextDouble() < 0.01;
            for (int r = 0; r < 4; r++) blockMask[r * wide + c] = on;
        }
        MaskedWeights flat = MaskedWeights.of(SparseTestData.nonzeros(rnd, 2 * wide), rowMask, 2, wide, LAYER);
        MaskedWeights tall = MaskedWeights.of(SparseTestData.nonzeros(rnd, 2 * wide), rowMask, wide, 2, LAYER);
        MaskedWeights blocky = MaskedWeights.of(SparseTestData.nonzeros(rnd, 4 * wide), blockMask, 4, wide, LAYER);
        for (PackedWeights m : List.of(Csr.from(flat), Csc.from(tall), BlockSparse.from(blocky, 4))) {
            assertThat(m.format()).as(m.format()).satisfiesAnyOf(f -> assertThat(f).endsWith("32"),
                    f -> assertThat(((BlockSparse) m).col32).isNotNull());
            float[] dense = m.toDense();
            MaskedWeights source = m instanceof Csr ? flat : m instanceof Csc ? tall : blocky;
            SparseKernelsTest.assertExactlyEqual(dense, source.toMaskedDense(), "round trip " + m.format());
            float[] x = SparseTestData.nonzeros(rnd, m.cols());
            for (SparseKernels k : SparseKernelsTest.backends()) {
                float[] y = new float[m.rows()];
                m.gemv(k, x, 0, y, 0, null, false, ComputePool.serial());
                float[] yt = new float[m.rows() * 3];
                float[] xt = new float[m.cols() * 3];
                for (int c = 0; c < m.cols(); c++) for (int b = 0; b < 3; b++) xt[c * 3 + b] = x[c];
                m.spmm(k, xt, 0, 3, 3, yt, 0, 3, null, false, ComputePool.serial());
                for (int r = 0; r < m.rows(); r++) {
                    double want = 0, scale = 0;
                    for (int c = 0; c < m.cols(); c++) {
                        want += (double) dense[r * m.cols() + c] * x[c];
                        scale += Math.abs((double) dense[r * m.cols() + c] * x[c]);
                    }
                    assertThat((double) y[r]).as(m.format() + " " + k.name() + " row " + r).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5 * scale + 1e-30));
                    for (int b = 0; b < 3; b++) {
                        assertThat((double) yt[r * 3 + b]).as(m.format() + " spmm " + k.name() + " row " + r).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5 * scale + 1e-30));
                    }
                }
            }
        }
    }
}
