package dev.sparrow.sparse;

import jdk.incubator.vector.FloatVector;

import static dev.sparrow.sparse.VectorSupport.F;
import static dev.sparrow.sparse.VectorSupport.L;

/**
 * The direct convolution of {@link ShiftedPlaneConv} on the Vector API: each nonzero weight is one broadcast
 * times contiguous (unaligned) runs of a zero-padded input plane, accumulated in registers over the channel's
 * whole tap list and stored once. No im2col buffer is written or read; what a run of positions reads is a few
 * padded rows of every input channel, which stay in L1/L2 while all output channels pass over them (positions
 * are the outer loop, channels the inner).
 */
final class VectorConvKernels {
    /** Positions per register tile: four vectors (4 loads and 4 FMAs per nonzero, as csrSpmm's wide tile). */
    static final int WIDE = 4 * L;

    private VectorConvKernels() {}

    /** Positions [0, positions), a multiple of {@link #WIDE}, of channels [rowFrom, rowTo). */
    static void shiftedPlaneConv(ShiftedPlaneConv w, float[] in, int inOff, int positions, float[] acc, int accOff,
                                 int ldAcc, int rowFrom, int rowTo) {
        int[] ptr = w.rowPtr;
        float[] vals = w.values;
        int[] offs = w.offsets;
        for (int q0 = 0; q0 < positions; q0 += WIDE) {
            int base = inOff + q0;
            for (int r = rowFrom; r < rowTo; r++) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int p = ptr[r], end = ptr[r + 1]; p < end; p++) {
                    int xa = base + offs[p];
                    FloatVector v = FloatVector.broadcast(F, vals[p]);
                    a0 = FloatVector.fromArray(F, in, xa).fma(v, a0);
                    a1 = FloatVector.fromArray(F, in, xa + L).fma(v, a1);
                    a2 = FloatVector.fromArray(F, in, xa + 2 * L).fma(v, a2);
                    a3 = FloatVector.fromArray(F, in, xa + 3 * L).fma(v, a3);
                }
                int o = accOff + r * ldAcc + q0;
                a0.intoArray(acc, o);
                a1.intoArray(acc, o + L);
                a2.intoArray(acc, o + 2 * L);
                a3.intoArray(acc, o + 3 * L);
            }
        }
    }

    /**
     * Positions [0, positions), a multiple of L and fewer than {@link #WIDE}, one vector at a time: a method of its
     * own because one loop nest per kernel method keeps C2 within its inlining budget (docs/architecture.md).
     */
    static void shiftedPlaneConvTail(ShiftedPlaneConv w, float[] in, int inOff, int positions, float[] acc, int accOff,
                                     int ldAcc, int rowFrom, int rowTo) {
        int[] ptr = w.rowPtr;
        float[] vals = w.values;
        int[] offs = w.offsets;
        for (int q0 = 0; q0 < positions; q0 += L) {
            int base = inOff + q0;
            for (int r = rowFrom; r < rowTo; r++) {
                FloatVector a0 = FloatVector.zero(F);
                for (int p = ptr[r], end = ptr[r + 1]; p < end; p++) {
                    a0 = FloatVector.fromArray(F, in, base + offs[p]).fma(FloatVector.broadcast(F, vals[p]), a0);
                }
                a0.intoArray(acc, accOff + r * ldAcc + q0);
            }
        }
    }
}
