package dev.sparrow.train;

import dev.sparrow.sparsity.SparsityConfig;
import dev.sparrow.util.ArgumentException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything that defines a training run. Stored in summary.json and in every checkpoint, so a run
 * can be reproduced or resumed from its files alone. Build one with {@link #builder()}; a bad value is an
 * {@link ArgumentException} naming the component (e.g. {@code batchSize}).
 *
 * @param dataDir        folder with the IDX files, or null to search the usual places
 * @param schedule       "cosine", "constant" or "step:EPOCHS:GAMMA" (see LrSchedules)
 * @param warmupEpochs   linear learning-rate warm-up before the schedule, in epochs
 * @param augment        random crop (padding 2) and horizontal flip on training images
 * @param threads        size of the compute pool
 * @param sparsity       sparse training method and budget ({@link SparsityConfig#DENSE} for none)
 */
public record TrainConfig(String model, String dataset, String dataDir, int epochs, int batchSize,
                          String optimizer, double learningRate, double momentum, boolean nesterov,
                          double weightDecay, String schedule, double warmupEpochs, double labelSmoothing,
                          boolean augment, long seed, int threads, SparsityConfig sparsity) {

    public static final String DATASET_FASHION_MNIST = "fashion-mnist";

    public TrainConfig {
        require(model != null && !model.isBlank(), "model", model, "a model name");
        require(dataset != null && !dataset.isBlank(), "dataset", dataset, "a data set name (" + DATASET_FASHION_MNIST + " or a path)");
        require(epochs >= 1, "epochs", epochs, ">= 1");
        require(batchSize >= 1, "batchSize", batchSize, ">= 1");
        require("sgd".equals(optimizer) || "adamw".equals(optimizer), "optimizer", optimizer, "sgd or adamw");
        require(learningRate > 0 && Double.isFinite(learningRate), "learningRate", learningRate, "a positive number");
        require(momentum >= 0 && momentum < 1, "momentum", momentum, "in [0, 1)");
        require(weightDecay >= 0 && Double.isFinite(weightDecay), "weightDecay", weightDecay, ">= 0");
        require(warmupEpochs >= 0 && warmupEpochs <= epochs, "warmupEpochs", warmupEpochs, "in [0, epochs]");
        require(labelSmoothing >= 0 && labelSmoothing < 1, "labelSmoothing", labelSmoothing, "in [0, 1)");
        require(threads >= 1 && threads <= 1024, "threads", threads, "in [1, 1024]");
        require(schedule != null, "schedule", schedule, "a schedule");
        if (sparsity == null) sparsity = SparsityConfig.DENSE;
    }

    /** A dense run (no sparse training). */
    public TrainConfig(String model, String dataset, String dataDir, int epochs, int batchSize,
                       String optimizer, double learningRate, double momentum, boolean nesterov,
                       double weightDecay, String schedule, double warmupEpochs, double labelSmoothing,
                       boolean augment, long seed, int threads) {
        this(model, dataset, dataDir, epochs, batchSize, optimizer, learningRate, momentum, nesterov, weightDecay,
                schedule, warmupEpochs, labelSmoothing, augment, seed, threads, SparsityConfig.DENSE);
    }

    /** Names the API argument (a record component), e.g. "batchSize is 0; expected >= 1"; the CLI says its flag instead. */
    private static void require(boolean ok, String argument, Object value, String expected) {
        if (!ok) throw new ArgumentException(argument, "is " + dev.sparrow.util.Echo.of(value) + "; expected " + expected);
    }

    /** The default main-job run: the MLP on Fashion-MNIST with SGD and a cosine schedule. */
    public static TrainConfig defaults() {
        return builder().build();
    }

    /**
     * A builder that starts from {@link #defaults()}: the MLP on Fashion-MNIST, 15 epochs of batch 128, SGD
     * (lr 0.05, momentum 0.9, weight decay 5e-4) with a cosine schedule, seed 42, every core, dense.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder that starts from this config */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.model = model;
        b.dataset = dataset;
        b.dataDir = dataDir;
        b.epochs = epochs;
        b.batchSize = batchSize;
        b.optimizer = optimizer;
        b.learningRate = learningRate;
        b.momentum = momentum;
        b.nesterov = nesterov;
        b.weightDecay = weightDecay;
        b.schedule = schedule;
        b.warmupEpochs = warmupEpochs;
        b.labelSmoothing = labelSmoothing;
        b.augment = augment;
        b.seed = seed;
        b.threads = threads;
        b.sparsity = sparsity;
        return b;
    }

    /** A {@link TrainConfig} by name instead of 17 positional arguments; {@link #build()} checks every value. */
    public static final class Builder {
        private String model = "mlp";
        private String dataset = DATASET_FASHION_MNIST;
        private String dataDir;
        private int epochs = 15;
        private int batchSize = 128;
        private String optimizer = "sgd";
        private double learningRate = 0.05;
        private double momentum = 0.9;
        private boolean nesterov;
        private double weightDecay = 5e-4;
        private String schedule = "cosine";
        private double warmupEpochs;
        private double labelSmoothing;
        private boolean augment;
        private long seed = 42;
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private SparsityConfig sparsity = SparsityConfig.DENSE;

        private Builder() {}

        /** @param v a model-zoo name @return this builder */
        public Builder model(String v) { model = v; return this; }

        /** @param v the data set's name in the run config @return this builder */
        public Builder dataset(String v) { dataset = v; return this; }

        /** @param v the data's folder or file, or null @return this builder */
        public Builder dataDir(String v) { dataDir = v; return this; }

        /** @param v epochs, at least 1 @return this builder */
        public Builder epochs(int v) { epochs = v; return this; }

        /** @param v examples per step, at least 1 @return this builder */
        public Builder batchSize(int v) { batchSize = v; return this; }

        /** @param v "sgd" or "adamw" @return this builder */
        public Builder optimizer(String v) { optimizer = v; return this; }

        /** @param v the peak learning rate @return this builder */
        public Builder learningRate(double v) { learningRate = v; return this; }

        /** @param v SGD momentum in [0, 1) @return this builder */
        public Builder momentum(double v) { momentum = v; return this; }

        /** @param v Nesterov momentum for SGD @return this builder */
        public Builder nesterov(boolean v) { nesterov = v; return this; }

        /** @param v weight decay, at least 0 @return this builder */
        public Builder weightDecay(double v) { weightDecay = v; return this; }

        /** @param v "cosine", "constant" or "step:EPOCHS:GAMMA" @return this builder */
        public Builder schedule(String v) { schedule = v; return this; }

        /** @param v linear warm-up epochs @return this builder */
        public Builder warmupEpochs(double v) { warmupEpochs = v; return this; }

        /** @param v label smoothing in [0, 1) @return this builder */
        public Builder labelSmoothing(double v) { labelSmoothing = v; return this; }

        /** @param v random crop and flip of training images @return this builder */
        public Builder augment(boolean v) { augment = v; return this; }

        /** @param v the seed of init, data order and dropout @return this builder */
        public Builder seed(long v) { seed = v; return this; }

        /** @param v compute threads in [1, 1024] @return this builder */
        public Builder threads(int v) { threads = v; return this; }

        /** @param v the sparse training ({@link SparsityConfig#DENSE} for none) @return this builder */
        public Builder sparsity(SparsityConfig v) { sparsity = v; return this; }

        /**
         * @return the config
         * @throws ArgumentException naming the first argument out of range
         */
        public TrainConfig build() {
            return new TrainConfig(model, dataset, dataDir, epochs, batchSize, optimizer, learningRate, momentum, nesterov,
                    weightDecay, schedule, warmupEpochs, labelSmoothing, augment, seed, threads, sparsity);
        }
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("dataset", dataset);
        m.put("data_dir", dataDir);
        m.put("epochs", epochs);
        m.put("batch_size", batchSize);
        m.put("optimizer", optimizer);
        m.put("lr", learningRate);
        m.put("momentum", momentum);
        m.put("nesterov", nesterov);
        m.put("weight_decay", weightDecay);
        m.put("schedule", schedule);
        m.put("warmup_epochs", warmupEpochs);
        m.put("label_smoothing", labelSmoothing);
        m.put("augment", augment);
        m.put("seed", seed);
        m.put("threads", threads);
        if (!sparsity.isDense()) m.put("sparsity", sparsity.toJson());
        return m;
    }

    /** Reads the map written by {@link #toJson()} (e.g. from a checkpoint); names the missing field. */
    public static TrainConfig fromJson(Map<String, Object> m) {
        return new TrainConfig(str(m, "model"), str(m, "dataset"), optionalStr(m, "data_dir"),
                integer(m, "epochs"), integer(m, "batch_size"), str(m, "optimizer"), num(m, "lr"),
                num(m, "momentum"), bool(m, "nesterov"), num(m, "weight_decay"), str(m, "schedule"),
                num(m, "warmup_epochs"), num(m, "label_smoothing"), bool(m, "augment"),
                seed(m), integer(m, "threads"), sparsity(m));
    }

    @SuppressWarnings("unchecked")
    private static SparsityConfig sparsity(Map<String, Object> m) {
        Object v = m.get("sparsity");
        if (v == null) return SparsityConfig.DENSE;
        if (!(v instanceof Map<?, ?> map)) throw new IllegalArgumentException("run config 'sparsity' is not an object");
        return SparsityConfig.fromJson((Map<String, Object>) map);
    }

    public TrainConfig withSparsity(SparsityConfig s) {
        return toBuilder().sparsity(s).build();
    }

    private static Object field(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) throw new IllegalArgumentException("run config has no '" + key + "'");
        return v;
    }

    private static String str(Map<String, Object> m, String key) {
        Object v = field(m, key);
        if (!(v instanceof String s)) throw new IllegalArgumentException("run config '" + key + "' is not a string");
        return s;
    }

    // typed accessors: a checkpoint's config is user input, so a wrong type names the field, never a ClassCastException
    private static String optionalStr(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) return null;
        if (!(v instanceof String s)) throw new IllegalArgumentException("run config '" + key + "' is not a string or null");
        return s;
    }

    private static int integer(Map<String, Object> m, String key) {
        double d = num(m, key);
        if (d != Math.rint(d) || d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("run config '" + key + "' is " + d + "; expected an integer");
        }
        return (int) d;
    }

    private static long seed(Map<String, Object> m) {
        Object v = field(m, "seed");
        if (v instanceof Long || v instanceof Integer) return ((Number) v).longValue();
        double d = num(m, "seed");
        if (d != Math.rint(d) || Math.abs(d) > 0x1p63) throw new IllegalArgumentException("run config 'seed' is " + d + "; expected an integer");
        return (long) d;
    }

    private static double num(Map<String, Object> m, String key) {
        Object v = field(m, key);
        if (!(v instanceof Number n)) throw new IllegalArgumentException("run config '" + key + "' is not a number");
        return n.doubleValue();
    }

    private static boolean bool(Map<String, Object> m, String key) {
        Object v = field(m, key);
        if (!(v instanceof Boolean b)) throw new IllegalArgumentException("run config '" + key + "' is not true/false");
        return b;
    }
}
