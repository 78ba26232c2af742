package dev.sparrow.infer;

import dev.sparrow.nn.layers.BatchNorm2d;

/**
 * Folds an eval-mode BatchNorm2d into the convolution before it: each output channel's weights and bias
 * are scaled by gamma / sqrt(var + eps), which keeps the mask, so conv, batch norm and ReLU run as one
 * kernel pass.
 */
final class BatchNormFolding {
    private BatchNormFolding() {}

    /**
     * Scales {@code weights} [rows][cols] in place and returns the folded bias ({@code bias} updated in
     * place, or a new array when the convolution has none).
     */
    static float[] fold(BatchNorm2d bn, float[] weights, float[] bias, int rows, int cols) {
        float[] folded = bias == null ? new float[rows] : bias;
        float[] gamma = bn.weight().value().data();
        float[] beta = bn.bias().value().data();
        float[] mean = bn.runningMean().data();
        float[] var = bn.runningVar().data();
        for (int o = 0; o < rows; o++) {
            double scale = gamma[o] / Math.sqrt(var[o] + bn.eps());
            for (int k = 0; k < cols; k++) weights[o * cols + k] = (float) (weights[o * cols + k] * scale);
            folded[o] = (float) ((folded[o] - mean[o]) * scale + beta[o]);
        }
        return folded;
    }
}
