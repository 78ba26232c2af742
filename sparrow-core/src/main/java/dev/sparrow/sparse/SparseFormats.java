package dev.sparrow.sparse;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a format from a short spec, for planners and benchmarks that try several formats per layer:
 * {@code csr}, {@code csc}, {@code condensed}, {@code block4}, {@code block16}, {@code nmN:M} (e.g.
 * {@code nm1:8}), {@code bankW} (bank width W, e.g. {@code bank16}), {@code complementaryN}.
 */
public final class SparseFormats {
    private static final Pattern NM = Pattern.compile("nm(\\d+):(\\d+)");
    private static final Pattern BANK = Pattern.compile("bank(\\d+)");
    private static final Pattern COMPLEMENTARY = Pattern.compile("complementary(\\d+)");

    /** Example specs, one per format. */
    public static final List<String> EXAMPLES =
            List.of("csr", "csc", "condensed", "block4", "block16", "nm1:8", "nm2:16", "bank16", "complementary10");

    private SparseFormats() {}

    /**
     * The matrix in the format {@code spec} names.
     *
     * @throws UnsupportedMaskException if the mask does not fit the format
     * @throws IllegalArgumentException if the spec is unknown
     */
    public static PackedWeights build(String spec, MaskedWeights w) {
        switch (spec) {
            case "csr": return Csr.from(w);
            case "csc": return Csc.from(w);
            case "condensed": return CondensedFanIn.from(w);
            case "block4": return BlockSparse.from(w, 4);
            case "block16": return BlockSparse.from(w, 16);
            default: break;
        }
        Matcher m = NM.matcher(spec);
        if (m.matches()) return NmPacked.from(w, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        m = BANK.matcher(spec);
        if (m.matches()) return BankBalanced.from(w, Integer.parseInt(m.group(1)));
        m = COMPLEMENTARY.matcher(spec);
        if (m.matches()) return ComplementaryPacked.from(w, Integer.parseInt(m.group(1)));
        throw new IllegalArgumentException("layer '" + w.layerName() + "': unknown sparse format '" + spec
                + "'; expected one of csr, csc, condensed, block4, block16, nmN:M, bankW, complementaryN");
    }

    /** Like {@link #build} but null when the mask does not fit the format (for trying candidates). */
    public static PackedWeights tryBuild(String spec, MaskedWeights w) {
        try {
            return build(spec, w);
        } catch (UnsupportedMaskException e) {
            return null;
        }
    }
}
