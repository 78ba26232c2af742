package dev.sparrow.cli;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.io.SparsityReport;
import dev.sparrow.onnx.OnnxImporter;
import dev.sparrow.onnx.OnnxModelFormat;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Shows what a checkpoint or an .onnx file holds.",
                "A checkpoint: metadata, run config, and every tensor with dtype, shape and mask sparsity; then per weight: "
                + "active/total, sparsity, fan-in min/mean/max over output neurons and ablated neurons, and for "
                + "k-winners-take-all layers the entropy of their duty cycles against its maximum.",
                "An .onnx file: opset, metadata, operators, every initializer's shape and sparsity, each weight of the imported "
                + "graph with the structure its zeros have (constant fan-in, N:M, blocks, banks), and the inference plan."})
final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "A .safetensors checkpoint or an .onnx file.")
    Path checkpoint;

    @Option(names = "--tune", description = "For an .onnx file: time the candidate formats of each weight, as a session does, "
            + "to show the plan's chosen formats (slower).")
    boolean tune;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (new OnnxModelFormat().accepts(checkpoint)) {
            PrintWriter out = spec.commandLine().getOut();
            OnnxInspection.print(OnnxImporter.load(checkpoint), tune, out);
            out.flush();
            return 0;
        }
        if (tune) throw new UserInputException("--tune is for .onnx files; " + checkpoint + " is a checkpoint");
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
