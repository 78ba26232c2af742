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
            Map.entry("complementary", "--complementary"));

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
        String problem = e.problem();
        for (String other : e.related()) {
            problem = problem.replaceAll("(?<![\\w-])" + java.util.regex.Pattern.quote(other) + "(?![\\w:-])",
                    java.util.regex.Matcher.quoteReplacement(flag(other)));
        }
        return flag(e.argument()) + " " + problem;
    }

    /** Any exception's message, in flags where it is an {@link ArgumentException}. */
    static String message(Throwable e) {
        return e instanceof ArgumentException a ? message(a) : e.getMessage();
    }
}
