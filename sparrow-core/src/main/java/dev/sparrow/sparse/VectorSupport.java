package dev.sparrow.sparse;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteOrder;

/**
 * What the Vector API sparse kernels share: the width, chosen once per JVM, its species, and the helpers
 * that finish a kernel's output. 512-bit (16 floats) where the machine prefers it, else 256-bit; the packed
 * layouts interleave 16 rows whatever the width, so a 256-bit machine does a row group in two halves.
 *
 * <p>No helper takes or returns a vector. A vector handed to a method that C2 does not inline is boxed: an
 * allocation per call. Whether C2 inlines a helper depends on what ran before (a helper it has already
 * compiled on its own into more than InlineSmallCode bytes is "already compiled into a big method"), so a
 * full test suite boxed where one test alone did not. Vectors therefore live and die inside one kernel
 * method; helpers take arrays. NoVectorCrossesAMethodTest holds every class of sparrow-core to that.
 */
final class VectorSupport {
    private VectorSupport() {}

    /** -Dsparrow.sparse.vectorBits=256|512 overrides the width (tests use it to run the 512-bit path). */
    static final String BITS_PROPERTY = "sparrow.sparse.vectorBits";
    static final int BITS = chooseBits();
    static final VectorSpecies<Float> F = BITS == 512 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    static final VectorSpecies<Integer> I = BITS == 512 ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    static final VectorSpecies<Short> S = BITS == 512 ? ShortVector.SPECIES_256 : ShortVector.SPECIES_128;
    static final VectorSpecies<Byte> B = BITS == 512 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    /** Floats per vector: 16 or 8. */
    static final int L = F.length();
    /**
     * Lane i takes lane i ^ h: the kernels sum a vector's lanes inline as v + v.rearrange(SWAP_h), h = L/2 .. 1, then
     * lane 0, one fixed order, instead of {@code reduceLanes(ADD)}, whose order differs between the interpreter and
     * C2 (the same call gave other bits before and after it was compiled).
     */
    static final VectorShuffle<Float> SWAP8 = L == 16 ? VectorShuffle.fromOp(F, i -> i ^ 8) : null;
    static final VectorShuffle<Float> SWAP4 = VectorShuffle.fromOp(F, i -> i ^ 4);
    static final VectorShuffle<Float> SWAP2 = VectorShuffle.fromOp(F, i -> i ^ 2);
    static final VectorShuffle<Float> SWAP1 = VectorShuffle.fromOp(F, i -> i ^ 1);
    /** Bytes per vector, for loads from the kernels' off-heap tiles. */
    static final int VECTOR_BYTES = L * Float.BYTES;
    static final ByteOrder NATIVE_ORDER = ByteOrder.nativeOrder();
    /** Rows interleaved by the packed layouts (condensed, N:M, banks): a layout constant, independent of L. */
    static final int ROWS = 16;
    /** 0, 1, ..., L - 1. */
    static final IntVector IOTA = IntVector.zero(I).addIndex(1);
    /**
     * 256-bit x86 (AVX2) has gathers but no scatter instruction: the API emulates a scatter lane by lane,
     * several times slower than the scalar loop (measured 3.7x on CSC gemv), so scatters are 512-bit only.
     */
    static final boolean FAST_SCATTER = BITS == 512;

    private static int chooseBits() {
        String forced = System.getProperty(BITS_PROPERTY);
        if (forced != null) {
            if (!forced.equals("256") && !forced.equals("512")) {
                throw new IllegalArgumentException("-D" + BITS_PROPERTY + " must be 256 or 512, got '" + forced + "'");
            }
            return Integer.parseInt(forced);
        }
        return Math.min(512, FloatVector.SPECIES_PREFERRED.vectorBitSize());
    }

    /** JDK 25 gathers only through an int[] map: L 16-bit indices from idx[pos] widened into tmp[at ..]. */
    static void widen(char[] idx, int pos, int[] tmp, int at) {
        ((IntVector) ShortVector.fromCharArray(S, idx, pos).convertShape(VectorOperators.S2I, I, 0))
                .and(0xFFFF).intoArray(tmp, at);
    }

    /**
     * The end of a batch-1 kernel: y[yOff + r] = act(y[yOff + r] + bias[r]) for rows [r0, r1), over the raw
     * sums the kernel stored (one pass over outputs still in L1; the kernel itself stays free of the bias
     * and ReLU variants).
     */
    static void finishRows(float[] y, int yOff, int r0, int r1, float[] bias, boolean relu) {
        if (bias == null && !relu) return;
        int r = r0;
        for (; r + L <= r1; r += L) {
            FloatVector v = FloatVector.fromArray(F, y, yOff + r);
            if (bias != null) v = v.add(FloatVector.fromArray(F, bias, r));
            (relu ? v.max(0f) : v).intoArray(y, yOff + r);
        }
        for (; r < r1; r++) y[yOff + r] = ScalarSparseKernels.out(y[yOff + r], bias, r, relu);
    }

    /**
     * yt[o .. o + n) = act(src[s ..] + b): the kernels store a row's raw sums (into yt itself for a full tile,
     * into a scratch row for the batch's tail tile, so that no kernel has a masked store) and this adds the
     * bias and ReLU from L1.
     */
    static void finishTile(float[] src, int s, float[] yt, int o, int n, float b, boolean relu) {
        if (src == yt && b == 0f && !relu) return;
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(F, src, s + i).add(b);
            (relu ? v.max(0f) : v).intoArray(yt, o + i);
        }
        for (; i < n; i++) {
            float v = src[s + i] + b;
            yt[o + i] = relu && !(v > 0f) ? 0f : v;
        }
    }

    static float bias(float[] bias, int r) {
        return bias == null ? 0f : bias[r];
    }
}
