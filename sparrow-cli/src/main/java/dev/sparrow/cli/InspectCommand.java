package dev.sparrow.cli;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Shows what a checkpoint holds: metadata, run config, and every tensor with dtype, shape and mask sparsity.")
final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "A .safetensors checkpoint.")
    Path checkpoint;

    @Override
    public Integer call() throws Exception {
        CheckpointData data = Checkpoint.read(checkpoint);
        System.out.print(data.describe());
        return 0;
    }
}
