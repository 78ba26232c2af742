package dev.sparrow.train;

import dev.sparrow.sparsity.SparsityConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything that defines a training run. Stored in summary.json and in every checkpoint, so a run
 * can be reproduced or resumed from its files alone.
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
        require(batchSize >= 1, "batch-size", batchSize, ">= 1");
        require("sgd".equals(optimizer) || "adamw".equals(optimizer), "optimizer", optimizer, "sgd or adamw");
        require(learningRate > 0 && Double.isFinite(learningRate), "lr", learningRate, "a positive number");
        require(momentum >= 0 && momentum < 1, "momentum", momentum, "in [0, 1)");
        require(weightDecay >= 0 && Double.isFinite(weightDecay), "weight-decay", weightDecay, ">= 0");
        require(warmupEpochs >= 0 && warmupEpochs <= epochs, "warmup-epochs", warmupEpochs, "in [0, epochs]");
        require(labelSmoothing >= 0 && labelSmoothing < 1, "label-smoothing", labelSmoothing, "in [0, 1)");
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

    private static void require(boolean ok, String option, Object value, String expected) {
        if (!ok) throw new IllegalArgumentException("--" + option + " is " + dev.sparrow.util.Echo.of(value) + "; expected " + expected);
    }

    /** The default main-job run: the MLP on Fashion-MNIST with SGD and a cosine schedule. */
    public static TrainConfig defaults() {
        return new TrainConfig("mlp", DATASET_FASHION_MNIST, null, 15, 128, "sgd", 0.05, 0.9, false,
                5e-4, "cosine", 0, 0, false, 42, Math.max(1, Runtime.getRuntime().availableProcessors()));
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
        return new TrainConfig(model, dataset, dataDir, epochs, batchSize, optimizer, learningRate, momentum,
                nesterov, weightDecay, schedule, warmupEpochs, labelSmoothing, augment, seed, threads, s);
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
