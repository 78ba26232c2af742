package dev.sparrow.sparse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * Every sparse format family, in one list that the inference autotuner ({@link #tunedByDefault}), the
 * benchmarks ({@link #benchmarkSpecs}) and the format tests ({@link #testSpecs}) read, so a format added
 * here (or by another module through {@link #register}) is tuned, timed and tested without editing them.
 * Specs: {@code csr}, {@code csc}, {@code condensed}, {@code block4}, {@code block16}, {@code nmN:M}
 * (e.g. {@code nm1:8}), {@code bankW} (bank width W, e.g. {@code bank16}), {@code complementaryN}.
 */
public final class FormatRegistry {
    private static final List<SparseFormat> FORMATS = new CopyOnWriteArrayList<>(builtIn());

    private FormatRegistry() {}

    private static List<SparseFormat> builtIn() {
        return List.of(
                SparseFormat.plain("csr", Structure.UNSTRUCTURED, w -> true, Csr::from, true),
                SparseFormat.plain("csc", Structure.UNSTRUCTURED, w -> true, Csc::from, true),
                SparseFormat.plain("condensed", new Structure.ConstantFanIn(),
                        w -> CondensedFanIn.misfit(w) == null, CondensedFanIn::from, true),
                new SparseFormat("block", "block4, block16", Pattern.compile("block(\\d+)"), (spec, p) -> {
                    int h = p[0];
                    if (h != 4 && h != 16) throw new IllegalArgumentException("format '" + spec + "' needs a block height of 4 or 16");
                    return new FormatSpec(spec, new Structure.Blocks(h, 1), w -> BlockSparse.misfit(w, h) == null,
                            w -> BlockSparse.from(w, h));
                }, List.of("block4", "block16"), sparsity -> List.of("block4", "block16"), List.of("block4", "block16")),
                new SparseFormat("nm", "nmN:M", Pattern.compile("nm(\\d+):(\\d+)"), (spec, p) -> {
                    int n = p[0], m = p[1];
                    if (n < 1 || n > m || m > 256) throw new IllegalArgumentException("format '" + spec + "' needs 1 <= N <= M <= 256");
                    return new FormatSpec(spec, new Structure.NOfM(n, m), w -> NmPacked.misfit(w, n, m) == null,
                            w -> NmPacked.from(w, n, m));
                }, List.of("nm1:8", "nm2:16", "nm2:4"),
                        // the ratios closest to the sparsity: 1:8 and 2:16 at 90%
                        sparsity -> List.of("nm" + closest(1 - sparsity, 8) + ":8", "nm" + closest(1 - sparsity, 16) + ":16"),
                        List.of("nm1:8", "nm2:16", "nm4:4", "nm3:32")),
                new SparseFormat("bank", "bankW", Pattern.compile("bank(\\d+)"), (spec, p) -> {
                    int width = p[0];
                    if (width < 1 || width > 256) throw new IllegalArgumentException("format '" + spec + "' needs a bank width in [1, 256]");
                    return new FormatSpec(spec, new Structure.Banks(width), w -> BankBalanced.misfit(w, width) == null,
                            w -> BankBalanced.from(w, width));
                }, List.of("bank16"), sparsity -> List.of("bank16"), List.of("bank16", "bank32")),
                new SparseFormat("complementary", "complementaryN", Pattern.compile("complementary(\\d+)"), (spec, p) -> {
                    int n = p[0];
                    if (n < 1 || n > 256) throw new IllegalArgumentException("format '" + spec + "' needs a group size in [1, 256]");
                    return new FormatSpec(spec, new Structure.Complementary(n), w -> ComplementaryPacked.misfit(w, n) == null,
                            w -> ComplementaryPacked.from(w, n));
                }, List.of(), // not tried by default (as before this registry); ask for it with the session's candidates
                        sparsity -> List.of("complementary" + Math.clamp(Math.round(1 / (1 - sparsity)), 1, 256)),
                        List.of("complementary10", "complementary1")));
    }

    /** n of m closest to the density, in [1, m]. */
    private static int closest(double density, int m) {
        return Math.clamp(Math.round(density * m), 1, m);
    }

    /** Adds a format family (e.g. from a GPU module); its name must be new. */
    public static void register(SparseFormat format) {
        synchronized (FORMATS) {
            for (SparseFormat f : FORMATS) {
                if (f.name().equals(format.name())) throw new IllegalArgumentException("format '" + format.name() + "' is already registered");
            }
            FORMATS.add(format);
        }
    }

    /** The registered families, built-in first. */
    public static List<SparseFormat> formats() {
        return List.copyOf(FORMATS);
    }

    /**
     * The format {@code spec} names.
     *
     * @throws IllegalArgumentException naming the spec when no family knows it or its parameters are out of range
     */
    public static FormatSpec parse(String spec) {
        if (spec == null) throw new IllegalArgumentException("format spec is null");
        for (SparseFormat f : FORMATS) {
            FormatSpec s = f.parse(spec);
            if (s != null) return s;
        }
        List<String> syntax = new ArrayList<>();
        for (SparseFormat f : FORMATS) syntax.add(f.syntax());
        String last = syntax.removeLast();
        throw new IllegalArgumentException("unknown format '" + spec + "'; expected " + String.join(", ", syntax) + " or " + last);
    }

    /**
     * The structures {@code w}'s mask really has, among those the formats of {@code specs} need (unknown specs
     * and unstructured formats are left out), each checked once: what an imported weight's zeros turn out to
     * be (constant fan-in, N:M, blocks, banks), so that formats needing anything else are not even built.
     */
    public static List<Structure> detect(MaskedWeights w, List<String> specs) {
        List<Structure> tried = new ArrayList<>();
        List<Structure> found = new ArrayList<>();
        for (String spec : specs) {
            FormatSpec f;
            try {
                f = parse(spec);
            } catch (IllegalArgumentException e) {
                continue;
            }
            Structure st = f.structure();
            if (st instanceof Structure.Unstructured || tried.contains(st)) continue;
            tried.add(st);
            if (f.canRepresent(w)) found.add(st);
        }
        return found;
    }

    /** The specs the inference autotuner tries by default (dense is the session's own, not listed here). */
    public static List<String> tunedByDefault() {
        List<String> specs = new ArrayList<>();
        for (SparseFormat f : FORMATS) specs.addAll(f.tunedByDefault());
        return specs;
    }

    /** One spec per format the benchmarks time, each with the parameters closest to {@code sparsity}. */
    public static List<String> benchmarkSpecs(double sparsity) {
        List<String> specs = new ArrayList<>();
        for (SparseFormat f : FORMATS) specs.addAll(f.benchmarkSpecs().apply(sparsity));
        return specs;
    }

    /** Every spec the format tests cover. */
    public static List<String> testSpecs() {
        List<String> specs = new ArrayList<>();
        for (SparseFormat f : FORMATS) specs.addAll(f.testSpecs());
        return specs;
    }
}
