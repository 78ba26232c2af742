package dev.sparrow.sparse;

import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One sparse format with its parameters, parsed from a spec such as "nm1:8" by {@link FormatRegistry}:
 * the structure it stores, a check whether a mask fits (without building anything), and the build.
 *
 * @param spec      the spec it was parsed from, e.g. "nm1:8"
 * @param structure the structure a mask needs to fit (csr and csc: {@link Structure#UNSTRUCTURED})
 * @param fits      whether a mask fits, including limits the structure does not say (e.g. 16-bit indices)
 * @param builder   packs the weights; throws {@link UnsupportedMaskException} when the mask does not fit
 */
public record FormatSpec(String spec, Structure structure, Predicate<MaskedWeights> fits,
                         Function<MaskedWeights, PackedWeights> builder) {

    /** Whether every mask of {@code declared} has the structure this format needs (no mask is read). */
    public boolean canRepresent(Structure declared) {
        return declared.implies(structure);
    }

    /** Whether this format can store {@code w}'s mask. */
    public boolean canRepresent(MaskedWeights w) {
        return fits.test(w);
    }

    /** The weights in this format; throws {@link UnsupportedMaskException} when the mask does not fit. */
    public PackedWeights build(MaskedWeights w) {
        return builder.apply(w);
    }

    @Override
    public String toString() { return spec; }
}
