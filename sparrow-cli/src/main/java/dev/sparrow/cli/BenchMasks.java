package dev.sparrow.cli;

import dev.sparrow.sparse.FormatMasks;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The benchmark's view of {@link FormatMasks} (shared with the JMH benchmarks): spec errors become user
 * errors naming the option.
 */
final class BenchMasks {
    private BenchMasks() {}

    /** Every format the sparse package builds, with the N:M ratio and complementary group size closest to the sparsity. */
    static List<String> defaultSpecs(double sparsity) {
        return FormatMasks.defaultSpecs(sparsity);
    }

    /** Checks a spec before any work is done, so a typo fails at once with the option's name. */
    static void checkSpec(String spec) {
        try {
            FormatMasks.checkSpec(spec);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--formats: " + e.getMessage().replaceFirst("^format ", ""));
        }
    }

    /** A mask [rows * cols] that the format {@code spec} can store, at about {@code sparsity}. */
    static boolean[] forSpec(String spec, double sparsity, int rows, int cols, SplittableRandom rnd) {
        checkSpec(spec);
        return FormatMasks.forSpec(spec, sparsity, rows, cols, rnd);
    }

    static double sparsityOf(boolean[] mask) {
        return FormatMasks.sparsityOf(mask);
    }

    static String describe(double sparsity) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * sparsity);
    }
}
