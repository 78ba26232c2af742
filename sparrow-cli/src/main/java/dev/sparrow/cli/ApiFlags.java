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
            Map.entry("labelSmoothing", "--label-smoothing"), Map.entry("seed", "--seed"), Map.entry("threads", "--threads"));

    private ApiFlags() {}

    /** The flag of an API argument, or the argument itself when no flag sets it. */
    static String flag(String argument) {
        return FLAGS.getOrDefault(argument, argument);
    }

    /** The exception's message with the flag in place of the argument's name: "--batch-size is 0; expected >= 1". */
    static String message(ArgumentException e) {
        return flag(e.argument()) + " " + e.problem();
    }
}
