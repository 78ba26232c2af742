package dev.sparrow.infer;

/**
 * Folds an evaluation-mode batch norm (y = x · scale[c] + shift[c]) into the convolution before it: each output
 * channel's weights and bias are scaled, which keeps the mask, so conv, batch norm and ReLU run as one kernel pass.
 * Public for backends outside this package (sparrow-cuda's session folds the same way, so its outputs match).
 */
public final class BatchNormFolding {
    private BatchNormFolding() {}

    /**
     * Scales {@code weights} [rows][cols] in place and returns the folded bias ({@code bias} updated in
     * place, or a new array when the convolution has none).
     */
    public static float[] fold(float[] scale, float[] shift, float[] weights, float[] bias, int rows, int cols) {
        if (scale.length != rows) {
            throw new IllegalArgumentException("batch norm of " + scale.length + " channels after a convolution of " + rows);
        }
        float[] folded = bias == null ? new float[rows] : bias;
        for (int o = 0; o < rows; o++) {
            float s = scale[o];
            for (int k = 0; k < cols; k++) weights[o * cols + k] *= s;
            folded[o] = folded[o] * s + shift[o];
        }
        return folded;
    }
}
