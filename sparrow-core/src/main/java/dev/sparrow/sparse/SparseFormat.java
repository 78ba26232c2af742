package dev.sparrow.sparse;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.DoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One family of sparse formats in the {@link FormatRegistry}: its spec syntax, how a spec becomes a
 * {@link FormatSpec}, and the specs each user of the registry starts from.
 *
 * @param name           family name, unique in the registry ("nm")
 * @param syntax         the spec syntax for messages and help ("nmN:M")
 * @param pattern        matches a spec of this family; its groups are the integer parameters
 * @param parser         (spec, parameters) to the format; throws IllegalArgumentException
 *                       "format 'spec' needs ..." for parameters out of range
 * @param tunedByDefault specs the inference autotuner tries when not told otherwise (may be empty)
 * @param benchmarkSpecs the specs benchmarks time at a sparsity (ratios closest to it)
 * @param testSpecs      the specs the format tests cover, edge cases included
 */
public record SparseFormat(String name, String syntax, Pattern pattern, BiFunction<String, int[], FormatSpec> parser,
                           List<String> tunedByDefault, DoubleFunction<List<String>> benchmarkSpecs,
                           List<String> testSpecs) {

    public SparseFormat {
        tunedByDefault = List.copyOf(tunedByDefault);
        testSpecs = List.copyOf(testSpecs);
    }

    /** A family without parameters: the spec is its name. */
    static SparseFormat plain(String name, Structure structure, java.util.function.Predicate<MaskedWeights> fits,
                              java.util.function.Function<MaskedWeights, PackedWeights> build, boolean tuned) {
        return new SparseFormat(name, name, Pattern.compile(Pattern.quote(name)),
                (spec, p) -> new FormatSpec(spec, structure, fits, build),
                tuned ? List.of(name) : List.of(), sparsity -> List.of(name), List.of(name));
    }

    /** The format {@code spec} names, or null when it is not of this family. */
    public FormatSpec parse(String spec) {
        Matcher m = pattern.matcher(spec);
        if (!m.matches()) return null;
        int[] params = new int[m.groupCount()];
        for (int i = 0; i < params.length; i++) {
            String digits = m.group(i + 1);
            params[i] = digits.length() > 4 ? Integer.MAX_VALUE : Integer.parseInt(digits); // out of range anyway
        }
        return parser.apply(spec, params);
    }
}
