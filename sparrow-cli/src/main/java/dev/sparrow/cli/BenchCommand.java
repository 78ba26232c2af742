package dev.sparrow.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sparrow bench}: a parent for the benchmarks ({@code kernels} now; whole models later). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks on this machine: 'kernels' times the sparse formats against dense kernels, 'model' a checkpoint's inference dense against sparse, 'train' a training step dense, masked and sparse.",
        subcommands = {BenchKernelsCommand.class, BenchModelCommand.class, BenchTrainCommand.class})
final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
