package dev.sparrow.sparse;

import java.util.List;

/** Builds a format from its spec through the {@link FormatRegistry} (see there for the specs). */
public final class SparseFormats {

    /** Example specs, one per format the benchmarks time (at 90% sparsity). */
    public static final List<String> EXAMPLES = List.copyOf(FormatRegistry.benchmarkSpecs(0.9));

    private SparseFormats() {}

    /**
     * The matrix in the format {@code spec} names.
     *
     * @throws UnsupportedMaskException if the mask does not fit the format
     * @throws IllegalArgumentException if the spec is unknown
     */
    public static PackedWeights build(String spec, MaskedWeights w) {
        return parse(spec, w).build(w);
    }

    /** Like {@link #build} but null when the mask does not fit the format (for trying candidates). */
    public static PackedWeights tryBuild(String spec, MaskedWeights w) {
        FormatSpec f = parse(spec, w);
        return f.canRepresent(w) ? f.build(w) : null;
    }

    private static FormatSpec parse(String spec, MaskedWeights w) {
        try {
            return FormatRegistry.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer '" + w.layerName() + "': " + e.getMessage(), e);
        }
    }
}
