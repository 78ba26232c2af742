package dev.sparrow.cli;

import picocli.CommandLine.Option;

import java.util.List;

/** --threads of the commands that train or evaluate (the benchmarks default to one thread instead). */
final class ThreadsOption {
    @Option(names = "--threads", paramLabel = "N", description = "Compute threads (default: all cores).")
    Integer threads;

    /** The count given, else {@code fallback}; a count above {@link #max()} is refused, not started. */
    int orElse(int fallback) {
        return threads != null ? check(threads) : fallback;
    }

    /** More threads than this only queue on the cores (one command once started 32,000). */
    static int max() {
        return 4 * Runtime.getRuntime().availableProcessors();
    }

    /** {@code n} if in [1, {@link #max()}], else a one-line refusal naming the bound. */
    static int check(int n) {
        if (n < 1 || n > max()) {
            throw new UserInputException("--threads is " + n + "; expected 1 to " + max() + " (4 x the "
                    + Runtime.getRuntime().availableProcessors() + " cores)");
        }
        return n;
    }

    /** The count given, else every core. */
    int orAllCores() {
        return orElse(Runtime.getRuntime().availableProcessors());
    }

    /** The option as arguments for a 'sparrow train' command line: empty when not given. */
    List<String> asArgs() {
        return threads == null ? List.of() : List.of("--threads", threads.toString());
    }
}
