package dev.sparrow.cli;

import dev.sparrow.data.DataLoader;
import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.io.SparsityReport;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.loss.SoftmaxCrossEntropy;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.onnx.OnnxModelFormat;
import dev.sparrow.onnx.OnnxPruner;
import dev.sparrow.sparsity.Distribution;
import dev.sparrow.sparsity.MagnitudePruning;
import dev.sparrow.sparsity.SparsityConfig;
import dev.sparrow.sparsity.StructuredPruning;
import dev.sparrow.train.Evaluator;
import dev.sparrow.train.CheckpointModel;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.train.TrainingRun;
import dev.sparrow.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prunes a trained checkpoint by weight magnitude (unstructured, or into an N:M, bank-balanced or block "
                + "structure) and optionally fine-tunes it with the masks fixed.",
                "Prints the test accuracy before pruning, after pruning and after fine-tuning.",
                "Writes pruned.safetensors (and, with --finetune-epochs, a run folder with checkpoint.safetensors) to the output folder.",
                "An .onnx model: its Gemm, MatMul and Conv weights are pruned the same way and pruned.onnx is written (no accuracy "
                + "is measured and no fine-tuning done: that needs a checkpoint; 'sparrow eval OUT/pruned.onnx' measures it)."})
final class PruneCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "A checkpoint.safetensors written by 'sparrow train', or an .onnx file.")
    Path checkpoint;

    @Option(names = "--method", paramLabel = "NAME", defaultValue = "magnitude",
            description = "magnitude (unstructured, --scope global or layer), nm:N:M (the N largest |w| of every M consecutive "
                    + "inputs; sparsity 1 - N/M, --sparsity not needed), balanced:BANK (every bank of BANK inputs of a row keeps "
                    + "the same count) or block:R (whole R x 1 blocks along the outputs, R = 4 or 16, largest sum of |w|); "
                    + "the structures prune each layer to its --distribution budget (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--scope", paramLabel = "SCOPE", defaultValue = "global",
            description = "global (one |w| threshold over all weights of rank 2 and 4) or layer (each layer to its budget "
                    + "from --distribution) (default: ${DEFAULT-VALUE}).")
    String scope;

    @Option(names = "--sparsity", paramLabel = "S", description = "Global sparsity to reach, in [0, 1) (required but for nm:N:M).")
    Double sparsity;

    @Option(names = "--distribution", paramLabel = "NAME", defaultValue = "uniform",
            description = "With --scope layer: uniform or erk (default: ${DEFAULT-VALUE}).")
    String distribution;

    @Option(names = "--dense-first", description = "Leave the first layer unpruned.")
    boolean denseFirst;

    @Option(names = "--dense-last", description = "Leave the last layer unpruned.")
    boolean denseLast;

    @Option(names = "--finetune-epochs", paramLabel = "N", defaultValue = "0",
            description = "Epochs of fine-tuning with the masks fixed (static sparse training) (default: ${DEFAULT-VALUE}).")
    int finetuneEpochs;

    @Option(names = "--lr", paramLabel = "RATE",
            description = "Peak learning rate of the fine-tuning, cosine-decayed (default: a tenth of the checkpoint run's).")
    Double lr;

    @Mixin
    DataOptions data;

    @Mixin
    ThreadsOption threads;

    @Option(names = {"--output", "-o"}, paramLabel = "DIR", description = "Output folder (default: runs/MODEL-pruned-TIMESTAMP).")
    Path output;

    @Option(names = "--no-progress", description = "No progress bar during fine-tuning.")
    boolean noProgress;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        MagnitudePruning.Scope pruneScope = checkOptions();
        if (new OnnxModelFormat().accepts(checkpoint)) return pruneOnnx(pruneScope);
        CheckpointData saved = Checkpoint.read(checkpoint);
        TrainConfig trained = CheckpointModel.config(saved);
        TrainConfig tuning = fineTuneConfig(trained);
        Path out = output != null ? output : Path.of("runs", trained.model() + "-pruned-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));

        TrainingRun.Data d = data.load();
        Layer model = CheckpointModel.load(saved, trained, d.train().sampleShape(), d.train().classes());
        double before = testAccuracy(model, d, tuning);
        if (structured()) {
            StructuredPruning.prune(Modules.namedParameters(model), method, sparsity(), Distribution.parse(distribution),
                    denseFirst, denseLast);
        } else {
            MagnitudePruning.prune(Modules.namedParameters(model), sparsity(), pruneScope, Distribution.parse(distribution),
                    denseFirst, denseLast);
        }
        double afterPruning = testAccuracy(model, d, tuning);
        java.nio.file.Files.createDirectories(out);
        Path pruned = out.resolve("pruned.safetensors");
        Checkpoint.save(pruned, model, null, Checkpoint.metadata(Json.write(tuning.toJson()), 0, 0));
        SparsityReport report = SparsityReport.of(Checkpoint.read(pruned));
        System.out.printf(Locale.ROOT, "pruned %s (%s, %s) to %.2f%% sparsity: test accuracy %.2f%% -> %.2f%%; wrote %s%n",
                checkpoint, trained.model(), structured() ? method : pruneScope.id() + " scope", 100 * report.sparsity(), 100 * before,
                100 * afterPruning, pruned);
        System.out.print(report.table());
        if (finetuneEpochs == 0) return 0;

        System.out.printf(Locale.ROOT, "fine-tuning %d epoch(s) with the masks fixed, %s lr %s, %d thread(s) -> %s%n",
                finetuneEpochs, tuning.optimizer(), tuning.learningRate(), tuning.threads(), out);
        boolean terminal = System.console() != null && System.console().isTerminal();
        ProgressListener progress = new ProgressListener(System.out, !noProgress && terminal, d.train().size());
        TrainingRun.Outcome result = TrainingRun.run(tuning, d, out, null, pruned, progress);
        double tuned = SparsityReport.of(Checkpoint.read(result.checkpoint())).sparsity();
        System.out.printf(Locale.ROOT, "%nTest accuracy: %.2f%% before pruning, %.2f%% after pruning, %.2f%% after %d epoch(s) "
                        + "of fine-tuning (%.2f%% sparsity)%n", 100 * before, 100 * afterPruning, 100 * result.testAccuracy(),
                finetuneEpochs, 100 * tuned);
        System.out.printf(Locale.ROOT, "Run folder: %s%n", result.directory());
        RunPlots.writeAfterRun(result.directory(), System.out, System.err);
        return 0;
    }

    /** An .onnx file: its weights pruned in place, written as OUT/pruned.onnx with everything else as it was. */
    private int pruneOnnx(MagnitudePruning.Scope pruneScope) throws java.io.IOException {
        if (finetuneEpochs > 0) {
            throw new UserInputException("--finetune-epochs needs a checkpoint (training state); " + checkpoint
                    + " is an .onnx model: prune it, then 'sparrow import' its weights to fine-tune");
        }
        CliFiles.requireFile(checkpoint, "MODEL");
        String stem = InteropFiles.stem(checkpoint.getFileName()).toString();
        Path out = output != null ? output : Path.of("runs", stem + "-pruned-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        java.nio.file.Files.createDirectories(out);
        Path pruned = out.resolve("pruned.onnx");
        OnnxPruner.Result r = OnnxPruner.prune(checkpoint, pruned, weights -> structured()
                ? StructuredPruning.prune(weights, method, sparsity(), Distribution.parse(distribution), denseFirst, denseLast)
                : MagnitudePruning.prune(weights, sparsity(), pruneScope, Distribution.parse(distribution), denseFirst, denseLast));
        java.io.PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "pruned %s (%s) to %.2f%% sparsity of its %d weights; wrote %s%n", checkpoint,
                structured() ? method : pruneScope.id() + " scope", 100 * r.stats().sparsity(), r.weights().size(), pruned);
        o.printf("%-36s %-28s %-16s %9s %9s%n", "initializer", "node", "shape", "before", "after");
        for (OnnxPruner.Pruned p : r.weights()) {
            o.printf(Locale.ROOT, "%-36s %-28s %-16s %8.2f%% %8.2f%%%n", p.initializer(), p.node(), p.shape(),
                    100 * p.sparsityBefore(), 100 * p.sparsityAfter());
        }
        o.println("(accuracy not measured for an .onnx model: run 'sparrow eval " + pruned + "')");
        o.flush();
        return 0;
    }

    /** Everything that can be checked without reading files, so a typo fails at once. */
    MagnitudePruning.Scope checkOptions() {
        if (!"magnitude".equals(method)) {
            if (!StructuredPruning.isStructure(method)) {
                throw new UserInputException("--method is " + method + "; expected magnitude, " + String.join(", ", StructuredPruning.STRUCTURES));
            }
            try {
                StructuredPruning.check(method);
            } catch (IllegalArgumentException e) {
                throw new UserInputException(ApiFlags.message(e));
            }
        }
        if (sparsity == null && !method.startsWith("nm:")) {
            throw new UserInputException("Missing required option: '--sparsity=S' (needed by --method " + method + ")");
        }
        if (sparsity != null && method.startsWith("nm:") && Math.abs(sparsity - sparsity()) > 1e-9) {
            throw new UserInputException("--sparsity is " + sparsity + " but --method " + method + " means sparsity " + sparsity()
                    + "; leave --sparsity out");
        }
        double s = sparsity();
        if (!(s >= 0 && s < 1)) throw new UserInputException("--sparsity is " + s + "; expected in [0, 1)");
        if (finetuneEpochs < 0) throw new UserInputException("--finetune-epochs is " + finetuneEpochs + "; expected >= 0");
        if (lr != null && !(lr > 0 && Double.isFinite(lr))) throw new UserInputException("--lr is " + lr + "; expected a positive number");
        if (threads.threads != null && threads.threads < 1) {
            throw new UserInputException("--threads is " + threads.threads + "; expected >= 1");
        }
        try {
            Distribution.parse(distribution);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--distribution is " + distribution + "; expected uniform or erk");
        }
        try {
            return MagnitudePruning.Scope.parse(scope);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(ApiFlags.message(e));
        }
    }

    private boolean structured() {
        return StructuredPruning.isStructure(method);
    }

    /** The asked sparsity, or the one N:M implies. */
    double sparsity() {
        return method.startsWith("nm:") ? StructuredPruning.impliedSparsity(method) : sparsity;
    }

    /** The trained run's config as a static sparse run of --finetune-epochs epochs (at least 1, for the config's sake). */
    TrainConfig fineTuneConfig(TrainConfig t) {
        // static binds to the pruned masks and keeps them; the block height is recorded so the run's config says so
        SparsityConfig fixed = new SparsityConfig("static", sparsity(), method.startsWith("nm:") ? "uniform" : distribution,
                denseFirst, denseLast, 100, 0.75, 0.3, true, 0.3, false,
                method.startsWith("block:") ? Integer.parseInt(method.substring("block:".length())) : 0, 0);
        return t.toBuilder().dataDir(data.dataDir == null ? t.dataDir() : data.dataDir.toString())
                .epochs(Math.max(1, finetuneEpochs)).learningRate(lr != null ? lr : t.learningRate() / 10)
                .schedule("cosine").warmupEpochs(0).threads(threads.orAllCores()).sparsity(fixed).build();
    }

    private static double testAccuracy(Layer model, TrainingRun.Data d, TrainConfig config) {
        try (ComputePool pool = ComputePool.ofThreads(config.threads());
             DataLoader loader = TrainingRun.evalLoader(d.test(), 256, d.mean(), d.std())) {
            ExecutionContext ctx = new ExecutionContext(Backend.get().kernels(), pool, config.seed());
            return Evaluator.evaluate(model, loader, new SoftmaxCrossEntropy(), ctx).accuracy();
        }
    }
}
