package dev.sparrow.cli;

import dev.sparrow.data.FashionMnist;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.infer.InferenceSession;
import dev.sparrow.infer.ModelFormat;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.util.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "model", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"End-to-end inference of a checkpoint or a model file (.onnx), dense against sparse: a dense session (every layer dense)",
                "and a sparse one (formats chosen by timing), both checked against the training forward pass (1e-5 relative),",
                "timed side by side (warm-up, interleaved rounds, medians). Prints per batch size the latency, the throughput,",
                "the sparse-over-dense speed-up and the format chosen per layer. An .onnx file is also run by ONNX Runtime",
                "on the same threads when its peer is on the class path (./sparrow adds it once sparrow-bench is built)."})
final class BenchModelCommand implements Callable<Integer> {
    static final int[] FASHION_MNIST_SHAPE = {1, FashionMnist.SIDE, FashionMnist.SIDE};

    @Parameters(index = "0", paramLabel = "MODEL", description = "A checkpoint.safetensors written by 'sparrow train', or an .onnx file.")
    Path checkpoint;

    @Option(names = "--batch", paramLabel = "B[,...]", defaultValue = "1,256", description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    String batches;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Inference threads (default: ${DEFAULT-VALUE}, like the kernel figures; on a shared machine a second "
                    + "thread's wake-up can cost more than a batch-1 call).")
    int threads;

    @Option(names = "--json", description = "One JSON object per batch size instead of the table.")
    boolean json;

    @Option(names = "--explain", description = "Also print the sparse session's plan: every candidate format's time per layer; for an .onnx file also "
            + "both sessions' median time per step.")
    boolean explain;

    @Option(names = "--warmup-ms", paramLabel = "MS", defaultValue = "500", description = "Warm-up per session and batch (default: ${DEFAULT-VALUE}).")
    long warmupMillis;

    @Option(names = "--measure-ms", paramLabel = "MS", defaultValue = "3000", description = "Interleaved measurement per batch (default: ${DEFAULT-VALUE}).")
    long measureMillis;

    @Option(names = "--tune-ms", paramLabel = "MS", defaultValue = "100", description = "Format measurement per layer, after its warm-up (default: ${DEFAULT-VALUE}).")
    long tuneMillis;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of the random input batch (default: ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Mixin
    DeviceOption device;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        String why = CliFiles.whyUnreadable(checkpoint);
        if (why != null) throw new UserInputException(checkpoint + ": " + why);
        List<Integer> batchList = parseBatches(batches);
        int t = ThreadsOption.check(threads);
        ModelBench.Settings settings = new ModelBench.Settings(t, warmupMillis, measureMillis, tuneMillis, seed);
        // cuda: the GPU session beside the CPU one (CudaModelBench); where no GPU is usable, one line says why
        if (device.device() == dev.sparrow.infer.Device.CUDA && device.unavailable(spec.commandLine().getErr()) == null) {
            return CudaModelBench.run(checkpoint, batchList, settings, spec.commandLine().getOut());
        }
        if (ModelFormat.anyAccepts(checkpoint)) return graphModel(batchList, settings);
        dev.sparrow.infer.SavedModel saved = InferenceSession.loadModel(checkpoint);
        Sequential model = saved.model();
        double sparsity = ReachedSparsity.of(checkpoint);
        List<ModelBench.Row> rows = ModelBench.run(model, saved.spec().sampleShape(), batchList, settings);
        PrintWriter out = spec.commandLine().getOut();
        String machine = BenchReport.machineLine(t);
        if (json) {
            for (ModelBench.Row r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("checkpoint", checkpoint.toString());
                m.put("sparsity", Math.round(sparsity * 10000) / 10000.0);
                m.put("threads", t);
                m.putAll(r.json());
                m.put("machine", machine);
                out.println(Json.write(m));
            }
        } else {
            out.println(machine);
            out.printf(Locale.ROOT, "checkpoint %s, %.2f%% of its weights zero; outputs of both sessions match the "
                    + "training forward pass (<= %.0e relative)%n", checkpoint, 100 * sparsity, ModelBench.TOLERANCE);
            out.print(ModelBench.table(rows));
            if (explain) for (ModelBench.Row r : rows) out.print("batch " + r.batch() + ": " + r.sparsePlan());
        }
        out.flush();
        return 0;
    }

    /** A model file a {@link ModelFormat} reads: Sparrow dense, tuned and ONNX Runtime side by side. */
    private int graphModel(List<Integer> batchList, ModelBench.Settings settings) throws IOException {
        ModelGraph graph;
        try {
            graph = ModelFormat.readAny(checkpoint);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(e.getMessage());
        }
        StringBuilder notes = new StringBuilder();
        List<GraphModelBench.Row> rows = GraphModelBench.run(checkpoint, graph, batchList, settings, notes, explain);
        PrintWriter out = spec.commandLine().getOut();
        String machine = BenchReport.machineLine(threads);
        if (json) {
            for (GraphModelBench.Row r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", checkpoint.toString());
                m.put("threads", threads);
                m.putAll(r.json());
                m.put("machine", machine);
                out.println(Json.write(m));
            }
        } else {
            out.println(machine);
            out.print(notes);
            out.printf(Locale.ROOT, "model %s, input [N, %s]; outputs match the reference evaluator (<= %.0e relative)%s%n",
                    checkpoint, java.util.Arrays.toString(graph.inputShape()).replaceAll("[\\[\\]]", ""), GraphModelBench.TOLERANCE,
                    rows.isEmpty() || Double.isNaN(rows.getFirst().peerError()) ? ""
                            : String.format(Locale.ROOT, " and ONNX Runtime (<= %.0e)", GraphModelBench.PEER_TOLERANCE));
            out.print(GraphModelBench.table(rows));
            if (explain) for (GraphModelBench.Row r : rows) out.print("batch " + r.batch() + ": " + r.plan());
        }
        out.flush();
        return 0;
    }

    static List<Integer> parseBatches(String list) {
        List<Integer> result = new ArrayList<>();
        for (String s : list.split(",", -1)) {
            int b;
            try {
                b = Integer.parseInt(s.strip());
            } catch (NumberFormatException e) {
                throw new UserInputException("--batch has '" + s + "'; expected comma-separated sizes, e.g. 1,256");
            }
            if (b < 1 || b > 1 << 16) throw new UserInputException("--batch has " + b + "; expected sizes in [1, 65536]");
            result.add(b);
        }
        return List.copyOf(new LinkedHashSet<>(result));
    }
}
