package dev.sparrow.train;

import dev.sparrow.data.DataLoader;
import dev.sparrow.data.Dataset;
import dev.sparrow.data.Datasets;
import dev.sparrow.io.ModelSpec;
import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.loss.SoftmaxCrossEntropy;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.optim.AdamW;
import dev.sparrow.optim.LrSchedule;
import dev.sparrow.optim.LrSchedules;
import dev.sparrow.optim.Optimizer;
import dev.sparrow.optim.Sgd;
import dev.sparrow.sparsity.SparsityMethod;
import dev.sparrow.util.ArgumentException;
import dev.sparrow.util.Json;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One training run from a {@link TrainConfig}: builds the model, optimizer, schedule and loaders,
 * optionally resumes from a checkpoint, trains, and writes the run folder (see {@link RunDirectory}).
 */
public final class TrainingRun {

    /**
     * The data of a run and the normalisation {@code (x - mean) / std} applied to all of it.
     *
     * @param train      what the model learns from
     * @param validation evaluated after every epoch (held out from the training data, see {@link #split})
     * @param test       evaluated once, at the end
     * @param mean       subtracted from the raw values: one value for all, one per channel of an image, or one per
     *                   feature (as {@link Datasets#normalization} computes it for feature data)
     * @param std        divides the centred values, laid out as {@code mean}
     */
    public record Data(Dataset train, Dataset validation, Dataset test, float[] mean, float[] std) {
        public Data {
            if (train == null || validation == null || test == null) throw new IllegalArgumentException("train, validation and test must be non-null");
            if (mean == null || std == null || mean.length != std.length) {
                throw new IllegalArgumentException("mean and std must be non-null and of one length");
            }
            mean = mean.clone();
            std = std.clone();
        }

        /** One mean and std for every value. */
        public Data(Dataset train, Dataset validation, Dataset test, float mean, float std) {
            this(train, validation, test, new float[] {mean}, new float[] {std});
        }

        /** Without a validation set: the test set is reported after every epoch too (the behaviour before splits). */
        public Data(Dataset train, Dataset test, float mean, float std) {
            this(train, test, test, mean, std);
        }

        /** As {@link #split(Dataset, Dataset, double, long, float[], float[])} with one mean and std for every value. */
        public static Data split(Dataset train, Dataset test, double validationFraction, long seed, float mean, float std) {
            return split(train, test, validationFraction, seed, new float[] {mean}, new float[] {std});
        }

        /**
         * Holds out {@code validationFraction} of {@code train} (seeded) as the validation set.
         *
         * @param train              the training data
         * @param test               the test data
         * @param validationFraction in (0, 1)
         * @param seed               the split's seed
         * @param mean               normalisation mean (one value, per channel or per feature)
         * @param std                normalisation std, laid out as {@code mean}
         * @return the data
         */
        public static Data split(Dataset train, Dataset test, double validationFraction, long seed, float[] mean, float[] std) {
            if (!(validationFraction > 0 && validationFraction < 1)) {
                throw new IllegalArgumentException("validationFraction is " + validationFraction + "; expected in (0, 1)");
            }
            Datasets.Split s = Datasets.holdOut(train, validationFraction, seed);
            if (s.heldOut() == null) {
                throw new IllegalArgumentException(train.name() + ": " + train.size() + " examples are too few to hold out "
                        + validationFraction + " for validation");
            }
            return new Data(s.kept(), s.heldOut(), test, mean, std);
        }

        /**
         * Holds out {@code validationFraction} of {@code train} (seeded) and normalises everything with
         * {@link Datasets#normalization} of what is left for training (the validation examples play no part in it).
         */
        public static Data splitAndNormalize(Dataset train, Dataset test, double validationFraction, long seed) {
            Data unnormalized = split(train, test, validationFraction, seed, 0f, 1f);
            float[][] norm = Datasets.normalization(unnormalized.train());
            return new Data(unnormalized.train(), unnormalized.validation(), test, norm[0], norm[1]);
        }

        /** The normalisation mean (a copy). */
        @Override
        public float[] mean() { return mean.clone(); }

        /** The normalisation std (a copy). */
        @Override
        public float[] std() { return std.clone(); }

        /** The model's self-description for {@code architecture} trained on this data. */
        public ModelSpec spec(String architecture) {
            return new ModelSpec(architecture, train.sampleShape(), train.classNames(), mean, std);
        }
    }

    /**
     * What a finished run reports.
     *
     * @param testLoss     on the test set, after the last epoch
     * @param testAccuracy on the test set, after the last epoch
     */
    public record Outcome(List<EpochResult> epochs, Path checkpoint, Path directory, long parameters,
                          double testLoss, double testAccuracy) {
        public EpochResult last() { return epochs.getLast(); }
    }

    private TrainingRun() {}

    /**
     * Trains per {@code config} and writes to {@code outputDir}.
     *
     * @param resumeFrom a checkpoint written by an earlier run of the same config, or null
     */
    public static Outcome run(TrainConfig config, Data data, Path outputDir, Path resumeFrom, TrainListener listener)
            throws IOException {
        return run(config, data, outputDir, resumeFrom, null, listener);
    }

    /**
     * As {@link #run(TrainConfig, Data, Path, Path, TrainListener)}, optionally starting a fresh run
     * (epoch 1, fresh optimizer state) from the parameters, masks and buffers of a checkpoint, e.g. to
     * fine-tune a pruned model. The sparsity method is then bound to those masks instead of drawing new
     * ones (as on resume), so with "static" the masks stay fixed.
     *
     * @param initialWeights a checkpoint of the same model, or null; not together with {@code resumeFrom}
     */
    public static Outcome run(TrainConfig config, Data data, Path outputDir, Path resumeFrom, Path initialWeights,
                              TrainListener listener) throws IOException {
        return run(config, data, outputDir, resumeFrom, initialWeights, listener, DEFAULT_ENGINE);
    }

    /**
     * The training engine of sparse runs unless asked otherwise (issue 13): "sparse", per layer where it is sparse
     * enough and measured faster; "masked" stays the reference.
     */
    public static final String DEFAULT_ENGINE = "sparse";

    /**
     * As above, with the training engine of masked Linear layers: "sparse" (packed weights where a layer is
     * sparse enough and measured faster at the run's batch, see {@link SparseEngines}; the choice is in
     * summary.json under "engines") or "masked" (masks over dense tensors, the reference).
     */
    public static Outcome run(TrainConfig config, Data data, Path outputDir, Path resumeFrom, Path initialWeights,
                              TrainListener listener, String engine) throws IOException {
        if (!"sparse".equals(engine) && !"masked".equals(engine)) {
            throw new IllegalArgumentException("engine is '" + engine + "'; expected sparse or masked");
        }
        if (resumeFrom != null && initialWeights != null) {
            throw new IllegalArgumentException("a run resumes from " + resumeFrom + " or starts from the weights in "
                    + initialWeights + ", not both");
        }
        Layer model = ModelZoo.create(config.model(), data.train().sampleShape(), data.train().classes(), config.seed());
        // the loader never batches more samples than the data set has
        TrainingMemory.check(model, data.train().sampleShape(), Math.min(config.batchSize(), data.train().size()),
                Runtime.getRuntime().maxMemory());
        try (ComputePool pool = ComputePool.ofThreads(config.threads());
             DataLoader train = trainLoader(config, data);
             DataLoader validation = evalLoader(data.validation(), config.batchSize(), data.mean(), data.std())) {
            ExecutionContext ctx = new ExecutionContext(Backend.get().kernels(), pool, config.seed());
            Map<String, Parameter> parameters = Modules.namedParameters(model);
            Optimizer optimizer = optimizer(config, parameters);
            SparsityMethod sparsity = null;
            long stepsPerEpoch = train.batchesPerEpoch();
            LrSchedule schedule = LrSchedules.parse(config.schedule(), (float) config.learningRate(),
                    Math.round(config.warmupEpochs() * stepsPerEpoch), stepsPerEpoch);
            int firstEpoch = 1;
            Map<String, String> savedEngines = null;
            if (resumeFrom != null) {
                CheckpointData saved = Checkpoint.read(resumeFrom);
                savedEngines = SparseEngines.fromMetadata(saved.metadata().get(SparseEngines.METADATA_KEY));
                checkSameRun(config, saved);
                TrainingCheckpoint.restore(saved, model, optimizer);
                firstEpoch = (int) saved.epoch().orElseThrow(() -> new IllegalArgumentException(
                        resumeFrom + ": checkpoint has no epoch; it cannot be resumed")) + 1;
                if (firstEpoch > config.epochs()) {
                    // a run that died between its last checkpoint and summary.json: finish it, train nothing
                    if (firstEpoch - 1 == config.epochs() && outputDir != null
                            && !java.nio.file.Files.exists(outputDir.resolve(RunDirectory.SUMMARY))) {
                        return finishWithoutTraining(config, outputDir, firstEpoch - 1, model, parameters);
                    }
                    throw new ArgumentException("epochs", "is " + config.epochs() + " but " + resumeFrom + " is already trained for "
                            + (firstEpoch - 1) + " epochs; ask for more epochs");
                }
                sparsity = config.sparsity().resume(parameters, optimizer, sparsityRandom(config), schedule, saved.sparsityState());
            } else if (initialWeights != null) {
                Checkpoint.read(initialWeights).restoreInto(model);
                sparsity = config.sparsity().resume(parameters, optimizer, sparsityRandom(config));
            } else {
                sparsity = config.sparsity().start(parameters, optimizer, sparsityRandom(config), schedule);
            }
            RunDirectory dir = RunDirectory.create(outputDir, resumeFrom == null);
            // rows written after the checkpoint (a crash between the two writes) would otherwise repeat
            if (resumeFrom != null) dir.truncateMetricsTo(firstEpoch - 1);
            SparsityMethod method = sparsity;
            ModelSpec spec = data.spec(config.model());
            // a resumed run keeps the engines of the run it continues: the two engines round differently, so
            // choosing again by timing could make the resumed run differ from an uninterrupted one
            List<SparseEngines.Choice> engines = sparsity == null || !"sparse".equals(engine) ? List.of()
                    : savedEngines != null ? SparseEngines.apply(model, savedEngines)
                    : SparseEngines.choose(model, spec.sampleShape(), config.batchSize(), pool, ctx, 100);
            String enginesJson = SparseEngines.toMetadata(engines);
            Trainer trainer = new Trainer(model, optimizer, schedule, new SoftmaxCrossEntropy(config.labelSmoothing()),
                    ctx, config.seed());
            // the run folder is written first, so a listener that stops the run still leaves a resumable checkpoint;
            // metrics before the checkpoint, so a crash between them leaves a row that resume drops, never a gap
            trainer.addListener(new TrainListener() {
                @Override
                public void onEpochEnd(EpochResult r) {
                    checkFinite(r, model);
                    try {
                        dir.appendMetrics(r, RunDirectory.layerSparsity(parameters));
                        Map<String, String> meta = Checkpoint.metadata(Json.write(config.toJson()), spec, r.epoch(), r.globalStep());
                        if (enginesJson != null) meta.put(SparseEngines.METADATA_KEY, enginesJson);
                        TrainingCheckpoint.save(dir.checkpoint(), model, optimizer, method == null ? Map.of() : method.state(), meta);
                    } catch (RunFolderException e) {
                        throw new java.io.UncheckedIOException(e.getMessage(), e);
                    } catch (IOException e) {
                        RunFolderException one = RunFolderException.of("cannot write run folder " + dir.path(), e);
                        throw new java.io.UncheckedIOException(one.getMessage(), one);
                    }
                }
            });
            if (sparsity != null) trainer.addListener(new SparseTraining(sparsity));
            trainer.addListener(listener);
            List<EpochResult> results = trainer.fit(train, validation, firstEpoch, config.epochs());
            // the test set once, at the end (the same set as validation only when the caller gave no split)
            Evaluator.Result test;
            if (data.test() == data.validation()) {
                test = new Evaluator.Result(results.getLast().valLoss(), results.getLast().valAccuracy(), data.test().size());
            } else {
                try (DataLoader testLoader = evalLoader(data.test(), config.batchSize(), data.mean(), data.std())) {
                    test = Evaluator.evaluate(model, testLoader, new SoftmaxCrossEntropy(config.labelSmoothing()), ctx);
                }
            }
            long paramCount = Modules.parameterCount(model);
            try {
                Map<String, Object> extra = new java.util.LinkedHashMap<>();
                if (sparsity != null) {
                    extra.put("engine", engine);
                    extra.put("engines", engines.stream().map(SparseEngines.Choice::toJson).toList());
                }
                dir.writeSummary(config, results, paramCount, ctx.kernels().name(), model.describe(), parameters,
                        test.loss(), test.accuracy(), spec, extra);
            } catch (IOException e) {
                throw RunFolderException.of("cannot write " + dir.path().resolve(RunDirectory.SUMMARY), e);
            }
            return new Outcome(results, dir.checkpoint(), dir.path(), paramCount, test.loss(), test.accuracy());
        }
    }

    /**
     * Refuses an epoch whose losses or weights are NaN or infinite before it is recorded, so the last
     * good checkpoint stays and no NaN is passed off as a result.
     */
    static void checkFinite(EpochResult r, Layer model) {
        String bad = null;
        if (!Double.isFinite(r.valLoss())) bad = "validation loss " + r.valLoss();
        else if (!Double.isFinite(r.trainLoss())) bad = "train loss " + r.trainLoss();
        else if (!Double.isFinite(r.valAccuracy())) bad = "validation accuracy " + r.valAccuracy();
        if (bad == null) {
            for (Map.Entry<String, Parameter> e : Modules.namedParameters(model).entrySet()) {
                int i = firstNonFinite(e.getValue().value().data());
                if (i >= 0) {
                    bad = "weight '" + e.getKey() + "'[" + i + "] " + e.getValue().value().data()[i];
                    break;
                }
            }
        }
        if (bad == null) {
            for (Map.Entry<String, dev.sparrow.tensor.Tensor> e : Modules.namedBuffers(model).entrySet()) {
                int i = firstNonFinite(e.getValue().data());
                if (i >= 0) {
                    bad = "buffer '" + e.getKey() + "'[" + i + "] " + e.getValue().data()[i];
                    break;
                }
            }
        }
        if (bad != null) {
            throw new TrainingDivergedException("training diverged at the end of epoch " + r.epoch() + ": " + bad
                    + " (learning rate " + r.learningRate() + "); the checkpoint of the last good epoch is kept; try a smaller learning rate");
        }
    }

    private static int firstNonFinite(float[] values) {
        for (int i = 0; i < values.length; i++) if (!Float.isFinite(values[i])) return i;
        return -1;
    }

    /** Writes the summary.json of a run whose every epoch is checkpointed and recorded, from its metrics rows. */
    private static Outcome finishWithoutTraining(TrainConfig config, Path outputDir, int epochs, Layer model,
                                                 Map<String, Parameter> parameters) throws IOException {
        RunDirectory dir = RunDirectory.create(outputDir, false);
        dir.truncateMetricsTo(epochs);
        List<EpochResult> results = new java.util.ArrayList<>();
        Path metrics = outputDir.resolve(RunDirectory.METRICS);
        if (java.nio.file.Files.exists(metrics)) {
            for (String row : MetricsLines.read(metrics).rowsUpTo(epochs)) {
                results.add(EpochResult.fromJson(Json.parseObject(row, Json.Limits.of(1 << 20))));
            }
        }
        long paramCount = Modules.parameterCount(model);
        // the test set is evaluated at the end of training, which this run finished without recording: not known here
        dir.writeSummary(config, results, paramCount, Backend.get().kernels().name(), model.describe(), parameters,
                Double.NaN, Double.NaN, null);
        return new Outcome(results, dir.checkpoint(), dir.path(), paramCount, Double.NaN, Double.NaN);
    }

    /** The masks' random source: from the run seed, apart from the weights' stream. */
    private static SplittableRandom sparsityRandom(TrainConfig config) {
        return new SplittableRandom(config.seed() ^ 0x5EED_5BA2_5E00_0001L);
    }

    static DataLoader trainLoader(TrainConfig config, Data data) {
        DataLoader.Builder b = DataLoader.builder(data.train(), config.batchSize())
                .seed(config.seed())
                .shuffle(true)
                .prefetch(true)
                .normalize(data.mean(), data.std());
        if (config.augment()) b.randomCrop(2).horizontalFlip(true);
        return b.build();
    }

    /** Batches in order, normalised, for evaluation. */
    public static DataLoader evalLoader(Dataset test, int batchSize, float mean, float std) {
        return DataLoader.builder(test, batchSize).shuffle(false).prefetch(true).normalize(mean, std).build();
    }

    /** Batches in order, normalised per channel or per feature ({@link DataLoader.Builder#normalize(float[], float[])}). */
    public static DataLoader evalLoader(Dataset test, int batchSize, float[] mean, float[] std) {
        return DataLoader.builder(test, batchSize).shuffle(false).prefetch(true).normalize(mean, std).build();
    }

    static Optimizer optimizer(TrainConfig c, Map<String, Parameter> params) {
        return switch (c.optimizer()) {
            case "sgd" -> Sgd.builder(params).momentum((float) c.momentum()).nesterov(c.nesterov())
                    .weightDecay((float) c.weightDecay()).build();
            case "adamw" -> AdamW.builder(params).weightDecay((float) c.weightDecay()).build();
            default -> throw new IllegalArgumentException("unknown optimizer '" + c.optimizer() + "'");
        };
    }

    /** A resumed run must train the same model with the same optimizer; epochs and threads may change. */
    private static void checkSameRun(TrainConfig config, CheckpointData saved) {
        String json = saved.config().orElseThrow(() -> new IllegalArgumentException(
                saved.file() + ": checkpoint has no run config; it cannot be resumed"));
        TrainConfig old = TrainConfig.fromJson(Json.parseObject(json, Json.Limits.of(1 << 20)));
        String key = old.sparsity().firstDifference(config.sparsity());
        if (key != null) {
            throw new IllegalArgumentException(saved.file() + ": checkpoint is from a run with sparsity " + key + " "
                    + old.sparsity().toJson().get(key) + ", not " + config.sparsity().toJson().get(key));
        }
        if (!old.model().equals(config.model()) || !old.optimizer().equals(config.optimizer())) {
            throw new IllegalArgumentException(saved.file() + ": checkpoint is from a " + old.model() + "/"
                    + old.optimizer() + " run, not " + config.model() + "/" + config.optimizer());
        }
    }
}
