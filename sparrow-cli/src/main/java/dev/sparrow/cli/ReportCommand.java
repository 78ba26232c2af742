package dev.sparrow.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Draws the plots of a run folder again from its metrics.jsonl and summary.json.",
                "They are accuracy.png and loss.png per epoch, and sparsity.png (final sparsity per layer) for a sparse run."})
final class ReportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "A run folder written by 'sparrow train' or 'sparrow prune'.")
    Path runDir;

    @Override
    public Integer call() throws Exception {
        List<Path> files = RunPlots.write(runDir);
        for (Path f : files) System.out.println("wrote " + f);
        return 0;
    }
}
