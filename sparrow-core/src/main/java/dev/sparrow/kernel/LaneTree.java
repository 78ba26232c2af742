package dev.sparrow.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Shuffles for summing the lanes of a preferred-species vector in one fixed order: v + v.rearrange(SWAP_h) for h =
 * half the lanes, a quarter, ... 1, then lane 0. The kernels write that tree inline instead of calling
 * {@code reduceLanes(ADD)}, whose order the Vector API leaves open: HotSpot's interpreter adds lane by lane and
 * C2's code in a tree, so a kernel gave other bits before and after it was compiled (found by the sparse
 * training engine's resume test, issue 13). Inline, because a vector passed to a method is boxed wherever the call
 * is not inlined.
 */
final class LaneTree {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int L = SPECIES.length();
    static final VectorShuffle<Float> SWAP8 = L >= 16 ? VectorShuffle.fromOp(SPECIES, i -> i ^ 8) : null;
    static final VectorShuffle<Float> SWAP4 = L >= 8 ? VectorShuffle.fromOp(SPECIES, i -> i ^ 4) : null;
    static final VectorShuffle<Float> SWAP2 = L >= 4 ? VectorShuffle.fromOp(SPECIES, i -> i ^ 2) : null;
    static final VectorShuffle<Float> SWAP1 = VectorShuffle.fromOp(SPECIES, i -> i ^ 1);

    private LaneTree() {}
}
