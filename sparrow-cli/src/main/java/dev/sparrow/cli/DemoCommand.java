package dev.sparrow.cli;

import dev.sparrow.data.FashionMnist;
import dev.sparrow.infer.InferenceSession;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.train.TrainingRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The main job: trains the default sparse model (SRigL at 90%, ERK) and the dense model with the same
 * settings, then prints the two test accuracies side by side and the measured inference speed-up of
 * the sparse model over the dense one at batch 1 and 256 ({@link ModelBench}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The main job: trains the MLP 784-300-100-10 on Fashion-MNIST sparse (SRigL, 90%% of the weights zero, "
                + "ERK) and dense with the same settings (15 epochs, seed 42), and compares them.",
                "Prints the sparse test accuracy beside the dense one and the measured inference speed-up of the sparse model "
                + "over the dense one at batch 1 and 256. Runs go to OUTPUT/dense and OUTPUT/srigl (each with its plots); "
                + "OUTPUT/comparison.png and OUTPUT/inference.png draw the two side by side."})
final class DemoCommand implements Callable<Integer> {
    static final String MODEL = "mlp";
    static final String SPARSE_METHOD = "srigl";

    @Option(names = "--sparsity", paramLabel = "S", defaultValue = "0.9", description = "Sparsity of the sparse model (default: ${DEFAULT-VALUE}).")
    double sparsity;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs of both runs (default: as 'sparrow train', 15).")
    Integer epochs;

    @Mixin
    SeedOption seeds;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--inference-threads", paramLabel = "N", defaultValue = "1",
            description = "Threads of the inference timing (default: ${DEFAULT-VALUE}: on a shared machine a second thread's "
                    + "wake-up can cost more than a batch-1 call).")
    int inferenceThreads;

    @Option(names = "--batch", paramLabel = "B[,...]", defaultValue = "1,256", description = "Inference batch sizes (default: ${DEFAULT-VALUE}).")
    String batches;

    @Option(names = "--measure-ms", paramLabel = "MS", defaultValue = "3000", description = "Interleaved inference timing per batch size (default: ${DEFAULT-VALUE}).")
    long measureMillis;

    @Mixin
    DataOptions data;

    @Option(names = {"--output", "-o"}, paramLabel = "DIR", description = "Parent folder of the two runs (default: runs/demo-TIMESTAMP).")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        TrainConfig sparseConfig = config(SPARSE_METHOD);
        TrainConfig denseConfig = config("dense");
        List<Integer> batchList = BenchModelCommand.parseBatches(batches);
        Path out = output != null ? output : Path.of("runs", "demo-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        PrintStream log = System.out;
        TrainingRun.Data d = data.load(seeds.seed);
        log.printf(Locale.ROOT, "Sparrow demo: %s on Fashion-MNIST (%d train / %d test), %s at %.0f%% sparsity (%s) "
                        + "and dense, %d epochs each, seed %d, %d thread(s) -> %s%n", MODEL, d.train().size(),
                d.test().size(), SPARSE_METHOD, 100 * sparsity, sparseConfig.sparsity().distribution(),
                sparseConfig.epochs(), seeds.seed, sparseConfig.threads(), out);
        TrainingRun.Outcome sparse = train("sparse (" + SPARSE_METHOD + ")", sparseConfig, d, out.resolve(SPARSE_METHOD), log);
        TrainingRun.Outcome dense = train("dense", denseConfig, d, out.resolve("dense"), log);

        log.printf(Locale.ROOT, "== inference: dense vs sparse sessions of the sparse model, %d thread(s)%n", inferenceThreads);
        int[] shape = BenchModelCommand.FASHION_MNIST_SHAPE;
        Sequential model = InferenceSession.loadModel(sparse.checkpoint()).model();
        ModelBench.Settings settings = new ModelBench.Settings(inferenceThreads, 500, measureMillis, 100, seeds.seed);
        List<ModelBench.Row> rows = ModelBench.run(model, shape, batchList, settings);

        PrintWriter w = spec.commandLine().getOut();
        double reached = ReachedSparsity.of(sparse.checkpoint());
        double sparseAcc = 100 * sparse.testAccuracy();
        double denseAcc = 100 * dense.testAccuracy();
        w.println();
        w.println(BenchReport.machineLine(inferenceThreads) + "; trained with " + sparseConfig.threads() + " thread(s)");
        w.print(ModelBench.table(rows));
        w.println();
        w.printf(Locale.ROOT, "Test accuracy   sparse %.2f%% (%s, %.2f%% of weights zero)   dense %.2f%%   (%+.2f points)%n",
                sparseAcc, SPARSE_METHOD, 100 * reached, denseAcc, sparseAcc - denseAcc);
        StringBuilder speed = new StringBuilder();
        for (ModelBench.Row r : rows) {
            if (!speed.isEmpty()) speed.append("   ");
            speed.append(String.format(Locale.ROOT, "batch %d: %.2fx", r.batch(), r.speedup()));
        }
        w.printf(Locale.ROOT, "Inference speed-up of the sparse model over the dense one (%d thread(s)): %s%n",
                inferenceThreads, speed);
        double sparseSeconds = trainingSeconds(sparse), denseSeconds = trainingSeconds(dense);
        w.printf(Locale.ROOT, "Training time (%d epochs, %d thread(s), sparse engine where a layer measured faster): "
                        + "sparse %.1fs   dense %.1fs   speed-up %.2fx%n", sparseConfig.epochs(), sparseConfig.threads(),
                sparseSeconds, denseSeconds, denseSeconds / sparseSeconds);
        w.printf(Locale.ROOT, "Runs: %s, %s%n", sparse.directory(), dense.directory());
        w.flush();
        writePlots(out, sparse, reached, dense, rows, log);
        return 0;
    }

    /**
     * Each run's own plots, and the two side by side in OUTPUT: comparison.png (validation accuracy per epoch) and
     * inference.png (the sessions' samples per second); a plot that fails is only a warning, the runs are complete.
     */
    private static void writePlots(Path out, TrainingRun.Outcome sparse, double reached, TrainingRun.Outcome dense,
                                   List<ModelBench.Row> rows, PrintStream log) {
        RunPlots.writeAfterRun(sparse.directory(), log, log);
        RunPlots.writeAfterRun(dense.directory(), log, log);
        String sparseLabel = String.format(Locale.ROOT, "%s, %s at %.1f%% sparsity", MODEL, SPARSE_METHOD, 100 * reached);
        try {
            Path accuracy = ComparisonPlots.writeAccuracy(out, "Validation accuracy per epoch: " + sparseLabel + " vs dense",
                    List.of(new ComparisonPlots.Run(SPARSE_METHOD, reached, sparse.epochs(), sparse.testAccuracy()),
                            new ComparisonPlots.Run("dense", 0, dense.epochs(), dense.testAccuracy())));
            // a title longer than about 80 characters is cut at the chart's edges
            Path inference = ComparisonPlots.writeInference(out, "Inference of " + sparseLabel + ": dense vs sparse session", rows);
            log.println("Plots: " + accuracy + ", " + inference);
        } catch (IOException | RuntimeException e) {
            log.println("warning: no comparison plots written to " + out + ": " + e.getMessage());
        }
    }

    /** Wall-clock seconds of a run's epochs (training and validation, as the progress lines show them). */
    private static double trainingSeconds(TrainingRun.Outcome o) {
        double total = 0;
        for (var e : o.epochs()) total += e.seconds();
        return total;
    }

    private static TrainingRun.Outcome train(String what, TrainConfig config, TrainingRun.Data d, Path dir, PrintStream log)
            throws IOException {
        log.printf(Locale.ROOT, "== training %s -> %s%n", what, dir);
        TrainingRun.Outcome o = TrainingRun.run(config, d, dir, null, new ProgressListener(log, false, d.train().size()));
        log.printf(Locale.ROOT, "%s: test accuracy %.2f%%%n", what, 100 * o.testAccuracy());
        return o;
    }

    /** The config 'sparrow train' would build for this method, so the defaults are exactly the same. */
    TrainConfig config(String method) {
        List<String> args = new ArrayList<>(List.of("--model", MODEL, "--method", method, "--seed", Long.toString(seeds.seed)));
        if (!"dense".equals(method)) args.addAll(List.of("--sparsity", Double.toString(sparsity), "--distribution", "erk"));
        if (epochs != null) args.addAll(List.of("--epochs", epochs.toString()));
        args.addAll(threads.asArgs());
        if (data != null && data.dataDir != null) args.addAll(List.of("--data", data.dataDir.toString()));
        TrainCommand train = new TrainCommand();
        try {
            new CommandLine(train).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new UserInputException(e.getMessage());
        }
        TrainConfig c = train.config();
        new SparsityOptions().checkAgainst(c, BenchModelCommand.FASHION_MNIST_SHAPE, FashionMnist.CLASSES);
        return c;
    }
}
