package dev.sparrow.infer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector width of this package's Vector API kernels (k-WTA passes, max-pool), chosen as the sparse kernels
 * choose theirs: 512-bit where the machine prefers it, else 256-bit, {@code -Dsparrow.sparse.vectorBits} to force
 * one (tests run both). Loaded only by those kernels, which the backend loads only on the vector backend.
 */
final class VectorWidth {
    private VectorWidth() {}

    static final int BITS = bits();
    static final VectorSpecies<Float> F = BITS == 512 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;

    /** Whether vectors are wide enough (256 bits or more) for the vector kernels to beat the scalar loops. */
    static boolean useful() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    }

    private static int bits() {
        String forced = System.getProperty("sparrow.sparse.vectorBits");
        if ("256".equals(forced) || "512".equals(forced)) return Integer.parseInt(forced);
        return Math.min(512, FloatVector.SPECIES_PREFERRED.vectorBitSize());
    }
}
