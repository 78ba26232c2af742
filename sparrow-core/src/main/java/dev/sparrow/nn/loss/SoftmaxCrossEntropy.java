package dev.sparrow.nn.loss;

import dev.sparrow.tensor.Tensor;

/**
 * Softmax followed by cross-entropy against integer labels, with label smoothing ε: the target is
 * (1 − ε) on the label plus ε/C spread over all C classes, as in PyTorch's
 * {@code CrossEntropyLoss(label_smoothing=ε)}. The loss is the batch mean; its gradient with respect to
 * the logits is (softmax − target)/B. Log-sum-exp is taken after subtracting the row maximum and summed
 * in double, so large logits neither overflow nor lose the small classes.
 *
 * <p>{@link #forward} also counts the samples whose highest logit is the label (ties go to the lowest
 * class index). The gradient buffer is reused while the batch shape stays the same.
 */
public final class SoftmaxCrossEntropy {
    private final double smoothing;
    private Tensor gradLogits; // (batch, classes): (softmax − target) / batch
    private int[] labels;      // the caller's array from the last forward
    private int lastCorrect;

    public SoftmaxCrossEntropy(double labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("labelSmoothing must be in [0, 1), got " + labelSmoothing);
        }
        this.smoothing = labelSmoothing;
    }

    public SoftmaxCrossEntropy() {
        this(0.0);
    }

    public double labelSmoothing() { return smoothing; }

    /** Mean loss over the batch; also prepares {@link #backward} and {@link #lastCorrect}. */
    public double forward(Tensor logits, int[] labels) {
        if (logits == null) throw new IllegalArgumentException("logits is null");
        if (labels == null) throw new IllegalArgumentException("labels is null");
        if (logits.rank() != 2) throw new IllegalArgumentException("logits must be [batch, classes], got " + logits.shapeString());
        int batch = logits.dim(0);
        int classes = logits.dim(1);
        if (batch < 1 || classes < 1) throw new IllegalArgumentException("logits " + logits.shapeString() + " is empty");
        if (labels.length != batch) {
            throw new IllegalArgumentException(labels.length + " labels for logits " + logits.shapeString() + " (batch " + batch + ")");
        }
        for (int i = 0; i < batch; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " at index " + i + " is out of range [0, " + classes + ")");
            }
        }
        if (gradLogits == null || gradLogits.dim(0) != batch || gradLogits.dim(1) != classes) {
            gradLogits = Tensor.zeros(batch, classes);
        }
        float[] z = logits.data();
        float[] g = gradLogits.data();
        double offValue = smoothing / classes;
        double onValue = 1.0 - smoothing + offValue;
        double invBatch = 1.0 / batch;
        double total = 0;
        int correct = 0;
        for (int i = 0; i < batch; i++) {
            int row = i * classes;
            int label = labels[i];
            float max = z[row];
            int argmax = 0;
            for (int c = 1; c < classes; c++) {
                if (z[row + c] > max) {
                    max = z[row + c];
                    argmax = c;
                }
            }
            if (argmax == label) correct++;
            double sumExp = 0;
            double sumShifted = 0;
            for (int c = 0; c < classes; c++) {
                double s = (double) z[row + c] - max;
                sumExp += Math.exp(s);
                sumShifted += s;
            }
            double logSumExp = Math.log(sumExp);
            // −Σ target·log p with log p_c = s_c − logSumExp and Σ target = 1
            double labelShifted = (double) z[row + label] - max;
            total += logSumExp - (1.0 - smoothing) * labelShifted - offValue * sumShifted;
            for (int c = 0; c < classes; c++) {
                double p = Math.exp((double) z[row + c] - max - logSumExp);
                double target = c == label ? onValue : offValue;
                g[row + c] = (float) ((p - target) * invBatch);
            }
        }
        this.labels = labels;
        this.lastCorrect = correct;
        return total * invBatch;
    }

    /** d(mean loss)/d(logits) of the last forward, [batch, classes]; valid until the next forward. */
    public Tensor backward() {
        if (labels == null) throw new IllegalStateException("backward called before forward");
        return gradLogits;
    }

    /** Samples of the last forward whose arg-max logit equals the label. */
    public int lastCorrect() { return lastCorrect; }

    /** Number of samples where the arg-max of {@code logits} equals the label (for evaluation without a loss). */
    public static int countCorrect(Tensor logits, int[] labels) {
        if (logits == null || logits.rank() != 2) throw new IllegalArgumentException("logits must be [batch, classes]");
        if (labels == null || labels.length != logits.dim(0)) {
            throw new IllegalArgumentException("labels must have one entry per row of logits " + logits.shapeString());
        }
        int classes = logits.dim(1);
        float[] z = logits.data();
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            int row = i * classes;
            int argmax = 0;
            for (int c = 1; c < classes; c++) if (z[row + c] > z[row + argmax]) argmax = c;
            if (argmax == labels[i]) correct++;
        }
        return correct;
    }
}
