package dev.sparrow.cli;

import dev.sparrow.util.ArgumentException;

import java.util.Map;

/** The CLI edge of the core's validation: an API argument's name (TrainConfig's "batchSize") as its flag ("--batch-size"). */
final class ApiFlags {
    private static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("model", "--model"), Map.entry("dataset", "--dataset"), Map.entry("dataDir", "--data"),
            Map.entry("epochs", "--epochs"), Map.entry("batchSize", "--batch-size"), Map.entry("optimizer", "--optimizer"),
            Map.entry("learningRate", "--lr"), Map.entry("momentum", "--momentum"), Map.entry("weightDecay", "--weight-decay"),
            Map.entry("schedule", "--schedule"), Map.entry("warmupEpochs", "--warmup-epochs"),
            Map.entry("labelSmoothing", "--label-smoothing"), Map.entry("seed", "--seed"), Map.entry("threads", "--threads"),
            // SparsityConfig's
            Map.entry("method", "--method"), Map.entry("sparsity", "--sparsity"), Map.entry("distribution", "--distribution"),
            Map.entry("denseFirst", "--dense-first"), Map.entry("denseLast", "--dense-last"),
            Map.entry("updateInterval", "--update-interval"), Map.entry("updateEnd", "--t-end"),
            Map.entry("dropFraction", "--drop-fraction"), Map.entry("gammaSal", "--gamma-sal"), Map.entry("block", "--block"),
            Map.entry("complementary", "--complementary"),
            // StructuredPruning's and MagnitudePruning's ('sparrow prune')
            Map.entry("structure", "--method"), Map.entry("scope", "--scope"));

    private ApiFlags() {}

    /** The flag of an API argument, or the argument itself when no flag sets it. */
    static String flag(String argument) {
        return FLAGS.getOrDefault(argument, argument);
    }

    /**
     * The exception's message with flags in place of the argument names, "--batch-size is 0; expected >= 1", also
     * where the problem names other arguments as words ("--block works with --method static, gmp or rigl").
     */
    static String message(ArgumentException e) {
        return flag(e.argument()) + " " + inFlags(e.problem(), e.related().toArray(String[]::new));
    }

    /** Any exception's message, in flags where it is an {@link ArgumentException}. */
    static String message(Throwable e) {
        return e instanceof ArgumentException a ? message(a) : e.getMessage();
    }

    /** {@code text} with each of {@code arguments}, where it stands as a whole word, replaced by its flag. */
    static String inFlags(String text, String... arguments) {
        if (text == null) return null;
        for (String a : arguments) {
            text = text.replaceAll("(?<![\\w-])" + java.util.regex.Pattern.quote(a) + "(?![\\w:-])",
                    java.util.regex.Matcher.quoteReplacement(flag(a)));
        }
        return text;
    }
}
