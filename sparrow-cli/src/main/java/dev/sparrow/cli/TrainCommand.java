package dev.sparrow.cli;

import dev.sparrow.data.FashionMnist;
import dev.sparrow.io.Checkpoint;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.sparsity.SparsityConfig;
import dev.sparrow.train.CheckpointModel;
import dev.sparrow.train.EpochResult;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.train.TrainingRun;
import dev.sparrow.util.ArgumentException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a model on Fashion-MNIST or your own data (--data: an image folder, a CSV or a .npy file), "
                + "reports the validation accuracy after each epoch and the test accuracy at the end.",
                "Writes metrics.jsonl, summary.json and checkpoint.safetensors to the output folder."})
final class TrainCommand implements Callable<Integer> {
    private static final TrainConfig D = TrainConfig.defaults();
    private static final int[] FASHION_MNIST_SHAPE = {1, FashionMnist.SIDE, FashionMnist.SIDE};

    @Option(names = "--model", paramLabel = "NAME", description = "Model: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
            completionCandidates = ModelNames.class, defaultValue = "mlp")
    String model;

    @Option(names = "--kwta", paramLabel = "D",
            description = "k-winners-take-all at density D instead of ReLU in the hidden dense layers (mlp or cnn; gsc-cnn: also after its pooled convolutions; Numenta uses about 0.1).")
    Double kwta;

    @Option(names = "--dataset", paramLabel = "NAME",
            description = "The data set's name in the run config (default: fashion-mnist, or the --data path).")
    String dataset;

    @Mixin
    DataOptions data;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs (default: 15 for mlp, 12 for the CNNs).")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--optimizer", paramLabel = "NAME", defaultValue = "sgd", description = "sgd or adamw (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--lr", paramLabel = "RATE", description = "Peak learning rate (default: 0.05 for sgd, 0.001 for adamw).")
    Double lr;

    @Option(names = "--momentum", paramLabel = "M", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--nesterov", description = "Nesterov momentum for SGD.")
    boolean nesterov;

    @Option(names = "--weight-decay", paramLabel = "WD", description = "Weight decay (default: 5e-4 for sgd, 0.01 for adamw).")
    Double weightDecay;

    @Option(names = "--schedule", paramLabel = "SPEC", defaultValue = "cosine",
            description = "Learning-rate schedule: cosine, constant or step:EPOCHS:GAMMA (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--warmup-epochs", paramLabel = "E", defaultValue = "0", description = "Linear warm-up epochs (default: ${DEFAULT-VALUE}).")
    double warmupEpochs;

    @Option(names = "--label-smoothing", paramLabel = "EPS", defaultValue = "0", description = "Label smoothing (default: ${DEFAULT-VALUE}).")
    double labelSmoothing;

    @Option(names = "--augment", description = "Random crop (padding 2) and horizontal flip of training images.")
    boolean augment;

    @Mixin
    SeedOption seeds;

    @Mixin
    ThreadsOption threads;

    @Option(names = {"--output", "-o"}, paramLabel = "DIR", description = "Run folder (default: runs/MODEL-TIMESTAMP).")
    Path output;

    @Option(names = "--overwrite", description = "Replace the run in an existing --output folder (its checkpoint, metrics and plots).")
    boolean overwrite;

    @Option(names = "--resume", paramLabel = "CHECKPOINT", description = "Continue the run saved in this checkpoint, "
            + "with its sparsity settings (sparsity options given must agree with them).")
    Path resume;

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = TrainingRun.DEFAULT_ENGINE,
            description = "Training engine of masked Linear layers: sparse (packed weights where a layer is >= 80%% sparse and "
                    + "measured faster at the batch size; the choice is in summary.json and kept on --resume) or masked "
                    + "(masks over dense tensors, the reference). "
                    + "Default: ${DEFAULT-VALUE}.")
    String engine;

    @Option(names = "--no-progress", description = "No progress bar (one line per epoch only).")
    boolean noProgress;

    @Mixin
    SparsityOptions sparse;

    @Override
    public Integer call() throws Exception {
        TrainConfig config = config();
        if (output != null) CliFiles.claimRunFolder(output, resume, overwrite);
        // structural errors (a bank width or M that does not divide a layer) before any Fashion-MNIST is read;
        // your own data's shape is only known once it is read
        if (data.kind() == DataOptions.Kind.FASHION_MNIST) sparse.checkAgainst(config, FASHION_MNIST_SHAPE, FashionMnist.CLASSES);
        Path out = output != null ? output : Path.of("runs", config.model() + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        TrainingRun.Data d = data.load(seeds.seed);
        if (data.kind() != DataOptions.Kind.FASHION_MNIST) sparse.checkAgainst(config, d.train().sampleShape(), d.train().classes());
        System.out.printf(Locale.ROOT, "training %s on %s (%d train / %d validation / %d test, %d classes), %d epochs, batch %d, %s lr %s, %d thread(s) -> %s%n",
                config.model(), config.dataset(), d.train().size(), d.validation().size(), d.test().size(), d.train().classes(), config.epochs(), config.batchSize(),
                config.optimizer(), config.learningRate(), config.threads(), out);
        // a bar redraws with carriage returns: only on a terminal, not into logs
        boolean terminal = System.console() != null && System.console().isTerminal();
        ProgressListener progress = new ProgressListener(System.out, !noProgress && terminal, d.train().size());
        if (!"sparse".equals(engine) && !"masked".equals(engine)) {
            throw new UserInputException("--engine is '" + engine + "'; expected sparse or masked");
        }
        TrainingRun.Outcome result = TrainingRun.run(config, d, out, resume, null, progress, engine);
        EpochResult last = result.last();
        String reached = config.sparsity().isDense() ? ""
                : String.format(Locale.ROOT, ", %s at %.2f%% sparsity", config.sparsity().label(),
                        100 * ReachedSparsity.of(result.checkpoint()));
        System.out.printf(Locale.ROOT, "%nTest accuracy: %.2f%% (%s, %d parameters, %d epochs%s)%n",
                100 * result.testAccuracy(), config.model(), result.parameters(), last.epoch(), reached);
        System.out.printf(Locale.ROOT, "Run folder: %s%n", result.directory());
        RunPlots.writeAfterRun(result.directory(), System.out, System.err);
        return 0;
    }

    TrainConfig config() {
        if (!ModelZoo.NAMES.contains(model)) {
            throw new UserInputException("--model is '" + model + "'; expected one of " + ModelZoo.NAMES);
        }
        String chosen = kwta == null ? model : kwtaModel();
        boolean adam = "adamw".equals(optimizer);
        int e = epochs != null ? epochs : ("mlp".equals(model) ? 15 : 12);
        double rate = lr != null ? lr : (adam ? 1e-3 : 0.05);
        double wd = weightDecay != null ? weightDecay : (adam ? 0.01 : 5e-4);
        int t = threads.orElse(D.threads());
        String datasetName;
        try {
            datasetName = dataset != null ? dataset : data.datasetName();
        } catch (java.io.IOException io) {
            throw new UserInputException(io.getMessage());
        }
        SparsityConfig sparsity = resume == null ? sparse.config() : sparse.resumed(savedSparsity(), resume);
        TrainConfig.Builder b = TrainConfig.builder().model(chosen).dataset(datasetName).dataDir(data.dataDir == null ? null : data.dataDir.toString())
                .epochs(e).batchSize(batchSize).optimizer(optimizer).learningRate(rate).momentum(momentum).nesterov(nesterov)
                .weightDecay(wd).schedule(schedule).warmupEpochs(warmupEpochs).labelSmoothing(labelSmoothing).augment(augment)
                .seed(seeds.seed).threads(t).sparsity(sparsity);
        try {
            return b.build();
        } catch (ArgumentException bad) {
            throw new UserInputException(ApiFlags.message(bad));
        }
    }

    /** The sparsity settings stored in the --resume checkpoint. */
    private SparsityConfig savedSparsity() {
        CliFiles.requireFile(resume, "--resume");
        try {
            return CheckpointModel.config(Checkpoint.read(resume)).sparsity();
        } catch (java.io.IOException e) {
            throw new UserInputException(CliFiles.describe(e, resume));
        }
    }

    /** The model name that carries the k-WTA density, e.g. "mlp-kwta0.1"; ModelZoo reads it back. */
    private String kwtaModel() {
        if (!"mlp".equals(model) && !"cnn".equals(model) && !"gsc-cnn".equals(model)) {
            throw new UserInputException("--kwta works with --model mlp, cnn or gsc-cnn, not '" + model + "'");
        }
        if (!(kwta > 0 && kwta <= 1)) throw new UserInputException("--kwta is " + kwta + "; expected a density in (0, 1]");
        return ModelZoo.kwtaName(model, kwta);
    }

    static final class ModelNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return ModelZoo.NAMES.iterator();
        }
    }
}
