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
}
