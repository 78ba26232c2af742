package dev.sparrow.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Figures of one finished epoch; "val" is the held-out validation set evaluated after each epoch.
 * Losses are means over samples; accuracies are fractions in [0, 1].
 *
 * @param samplesPerSecond training throughput (forward, backward and optimizer step) over the epoch
 */
public record EpochResult(int epoch, long globalStep, double trainLoss, double trainAccuracy,
                          double valLoss, double valAccuracy, double seconds, double samplesPerSecond,
                          double learningRate) {

    /** The row written to metrics.jsonl. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", epoch);
        m.put("global_step", globalStep);
        m.put("train_loss", trainLoss);
        m.put("train_accuracy", trainAccuracy);
        m.put("val_loss", valLoss);
        m.put("val_accuracy", valAccuracy);
        m.put("seconds", seconds);
        m.put("samples_per_second", samplesPerSecond);
        m.put("learning_rate", learningRate);
        return m;
    }

    /** A row read back from metrics.jsonl ({@link #toJson}); a missing or non-numeric field names itself. */
    public static EpochResult fromJson(Map<String, Object> m) {
        return new EpochResult((int) number(m, "epoch"), (long) number(m, "global_step"), number(m, "train_loss"),
                number(m, "train_accuracy"), number(m, "val_loss", "test_loss"), number(m, "val_accuracy", "test_accuracy"),
                number(m, "seconds"),
                number(m, "samples_per_second"), number(m, "learning_rate"));
    }

    /** Rows written before the validation split named the held-out figures test_*: read either. */
    private static double number(Map<String, Object> m, String key, String oldKey) {
        return number(m, m.containsKey(key) || !m.containsKey(oldKey) ? key : oldKey);
    }

    private static double number(Map<String, Object> m, String key) {
        if (!(m.get(key) instanceof Number n)) throw new IllegalArgumentException("metrics row field '" + key + "': expected a number");
        return n.doubleValue();
    }
}
