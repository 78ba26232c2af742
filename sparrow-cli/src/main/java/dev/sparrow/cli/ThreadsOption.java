package dev.sparrow.cli;

import picocli.CommandLine.Option;

import java.util.List;

/** --threads of the commands that train or evaluate (the benchmarks default to one thread instead). */
final class ThreadsOption {
    @Option(names = "--threads", paramLabel = "N", description = "Compute threads (default: all cores).")
    Integer threads;

    /** The count given, else {@code fallback}. */
    int orElse(int fallback) {
        return threads != null ? threads : fallback;
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
