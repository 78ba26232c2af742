package dev.sparrow.cli;

import picocli.CommandLine.Option;

/**
 * --seed of the commands that train (train, compare, demo): one meaning and one default, so one help text.
 * The benchmarks' --seed seeds random weights and inputs (another default and meaning) and stays their own.
 */
final class SeedOption {
    static final long DEFAULT = 42;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Seed for init, data order and dropout; every run of the command gets the same (default: ${DEFAULT-VALUE}).")
    long seed = DEFAULT;
}
