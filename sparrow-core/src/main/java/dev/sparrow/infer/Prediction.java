package dev.sparrow.infer;

import java.util.ArrayList;
import java.util.List;

/**
 * One class of a classification: its index, its name and the probability the model gives it.
 *
 * @param index       the output index
 * @param name        the class name (the index as text when the model has no names)
 * @param probability softmax of the outputs, in [0, 1]
 */
public record Prediction(int index, String name, double probability) {

    /**
     * The {@code k} most probable classes of one output vector (logits), most probable first; ties keep
     * the lower index first.
     *
     * @param logits     the model's outputs for one sample
     * @param k          how many, in [1, logits.length]
     * @param classNames one name per output, or null to use the indices
     * @return the top k
     */
    public static List<Prediction> topK(float[] logits, int k, List<String> classNames) {
        if (logits == null || logits.length == 0) throw new IllegalArgumentException("logits are empty");
        if (k < 1 || k > logits.length) throw new IllegalArgumentException("k is " + k + "; expected in [1, " + logits.length + "]");
        if (classNames != null && classNames.size() != logits.length) {
            throw new IllegalArgumentException(classNames.size() + " class names for " + logits.length + " outputs");
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) sum += p[i] = Math.exp(logits[i] - max);
        boolean[] taken = new boolean[logits.length];
        List<Prediction> out = new ArrayList<>(k);
        for (int r = 0; r < k; r++) {
            int best = -1;
            for (int i = 0; i < p.length; i++) if (!taken[i] && (best < 0 || p[i] > p[best])) best = i;
            taken[best] = true;
            out.add(new Prediction(best, classNames == null ? Integer.toString(best) : classNames.get(best), p[best] / sum));
        }
        return out;
    }
}
