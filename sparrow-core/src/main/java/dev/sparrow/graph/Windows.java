package dev.sparrow.graph;

import java.util.Arrays;

/** Output sizes of sliding windows (convolution, pooling), shared by the ops' shape rules and the evaluator. */
final class Windows {
    private Windows() {}

    /**
     * Windows along one axis. With ceilMode a last partial window counts, unless it would start in the end
     * padding (the rule of PyTorch and ONNX Runtime).
     */
    static int outputSize(int in, int kernel, int stride, int padBegin, int padEnd, int dilation, boolean ceilMode) {
        long span = (long) (kernel - 1) * dilation + 1;
        long room = (long) in + padBegin + padEnd - span;
        if (kernel < 1 || room < 0) {
            throw new IllegalArgumentException("window of " + kernel + " (dilation " + dilation + ") does not fit "
                    + in + " + pads " + padBegin + "," + padEnd);
        }
        long out = (ceilMode ? (room + stride - 1) / stride : room / stride) + 1;
        if (ceilMode && (out - 1) * stride >= (long) in + padBegin) out--;
        if (out > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("window output too large");
        return (int) out;
    }

    static void check(int[] kernel, int[] strides, int[] pads, int[] dilations) {
        boolean ok = kernel.length == 2 && strides.length == 2 && pads.length == 4 && dilations.length == 2
                && Arrays.stream(kernel).allMatch(k -> k >= 1) && Arrays.stream(strides).allMatch(s -> s >= 1)
                && Arrays.stream(pads).allMatch(p -> p >= 0) && Arrays.stream(dilations).allMatch(d -> d >= 1);
        if (!ok) {
            throw new IllegalArgumentException("pooling needs 2 kernel dims >= 1, 2 strides >= 1, 4 pads >= 0 and 2 dilations >= 1, got "
                    + Arrays.toString(kernel) + " " + Arrays.toString(strides) + " " + Arrays.toString(pads) + " " + Arrays.toString(dilations));
        }
        if (pads[0] >= (kernel[0] - 1) * dilations[0] + 1 || pads[2] >= (kernel[0] - 1) * dilations[0] + 1
                || pads[1] >= (kernel[1] - 1) * dilations[1] + 1 || pads[3] >= (kernel[1] - 1) * dilations[1] + 1) {
            // a window lying wholly in padding has no maximum and no average
            throw new IllegalArgumentException("pooling pads " + Arrays.toString(pads) + " must be smaller than the window "
                    + Arrays.toString(kernel));
        }
    }

    static int[] poolShape(int[] s, int[] kernel, int[] strides, int[] pads, int[] dilations, boolean ceilMode) {
        if (s.length != 3) {
            throw new IllegalArgumentException("pooling expects [N, C, H, W], got [N, " + Arrays.toString(s).replaceAll("[\\[\\]]", "") + "]");
        }
        return new int[] {s[0],
                outputSize(s[1], kernel[0], strides[0], pads[0], pads[2], dilations[0], ceilMode),
                outputSize(s[2], kernel[1], strides[1], pads[1], pads[3], dilations[1], ceilMode)};
    }
}
