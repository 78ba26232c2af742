package dev.sparrow.cli;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.io.SparsityReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Shows what a checkpoint holds: metadata, run config, and every tensor with dtype, shape and mask sparsity.",
                "Then per weight: active/total, sparsity, fan-in min/mean/max over output neurons and ablated neurons, "
                + "and for k-winners-take-all layers the entropy of their duty cycles against its maximum."})
final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "A .safetensors checkpoint.")
    Path checkpoint;

    @Override
    public Integer call() throws Exception {
        CheckpointData data = Checkpoint.read(checkpoint);
        System.out.print(data.describe());
        SparsityReport report = SparsityReport.of(data);
        if (!report.layers().isEmpty()) {
            System.out.println();
            System.out.println("sparsity of the weights (rows are output neurons; ablated = no active input):");
            System.out.print(report.table());
        }
        var entropy = DutyCycleEntropy.of(data);
        if (!entropy.isEmpty()) {
            System.out.println();
            System.out.println("k-WTA duty-cycle entropy (sum of each unit's binary entropy, bits; max = units x H(mean duty); "
                    + "ratio 1 = all units win equally often):");
            System.out.print(DutyCycleEntropy.table(entropy));
        }
        return 0;
    }
}
