package dev.sparrow.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/**
 * The sum of a vector's lanes in one fixed order: a tree of lane-wise adds (lane i plus lane i ^ h for h = half
 * the lanes, then a quarter, ...), each add exact IEEE float arithmetic. Not {@code reduceLanes(ADD)}: the Vector
 * API leaves the order of a floating-point reduction open, and HotSpot's interpreter sums lane by lane while C2's
 * code sums in a tree, so the same kernel call gave other bits before and after the JIT compiled it (a run then
 * depended on how warm the JIT was: found by the sparse training engine's resume test, issue 13).
 */
public final class LaneSums {
    private static final VectorShuffle<Float> X8_512 = swap(FloatVector.SPECIES_512, 8);
    private static final VectorShuffle<Float> X4_512 = swap(FloatVector.SPECIES_512, 4);
    private static final VectorShuffle<Float> X2_512 = swap(FloatVector.SPECIES_512, 2);
    private static final VectorShuffle<Float> X1_512 = swap(FloatVector.SPECIES_512, 1);
    private static final VectorShuffle<Float> X4_256 = swap(FloatVector.SPECIES_256, 4);
    private static final VectorShuffle<Float> X2_256 = swap(FloatVector.SPECIES_256, 2);
    private static final VectorShuffle<Float> X1_256 = swap(FloatVector.SPECIES_256, 1);
    private static final VectorShuffle<Float> X2_128 = swap(FloatVector.SPECIES_128, 2);
    private static final VectorShuffle<Float> X1_128 = swap(FloatVector.SPECIES_128, 1);

    private LaneSums() {}

    private static VectorShuffle<Float> swap(jdk.incubator.vector.VectorSpecies<Float> species, int h) {
        return VectorShuffle.fromOp(species, i -> i ^ h);
    }

    /** The lanes of {@code v} summed in the fixed tree order (the same bits interpreted and compiled). */
    public static float sum(FloatVector v) {
        switch (v.length()) {
            case 16 -> {
                v = v.add(v.rearrange(X8_512));
                v = v.add(v.rearrange(X4_512));
                v = v.add(v.rearrange(X2_512));
                return v.add(v.rearrange(X1_512)).lane(0);
            }
            case 8 -> {
                v = v.add(v.rearrange(X4_256));
                v = v.add(v.rearrange(X2_256));
                return v.add(v.rearrange(X1_256)).lane(0);
            }
            case 4 -> {
                v = v.add(v.rearrange(X2_128));
                return v.add(v.rearrange(X1_128)).lane(0);
            }
            default -> {
                float s = 0f;
                for (int i = 0; i < v.length(); i++) s += v.lane(i);
                return s;
            }
        }
    }
}
