package dev.sparrow.nn.layers;

import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.tensor.Tensor;

/** Mean over each channel's pixels: [batch, c, h, w] to [batch, c]. */
public final class GlobalAvgPool2d implements Layer {
    private int[] inSample;
    private final int[] outSample = new int[1];
    private Tensor output;    // (batch, c)
    private Tensor gradInput; // (batch, c, h, w)

    @Override
    public Tensor forward(Tensor x, ExecutionContext ctx) {
        Buffers.requireRank(x, 4, describe(), "[batch, channels, height, width]");
        if (!Buffers.sampleShapeEquals(x, inSample)) {
            inSample = Buffers.sampleShape(x);
            outSample[0] = inSample[0];
            if (inSample[1] * inSample[2] == 0) throw new IllegalArgumentException(describe() + ": empty image in input " + x.shapeString());
        }
        output = Buffers.ensure(output, x.dim(0), outSample);
        float[] in = x.data();
        float[] out = output.data();
        int planes = output.size();
        int pixels = inSample[1] * inSample[2];
        for (int p = 0; p < planes; p++) {
            double sum = 0;
            int off = p * pixels;
            for (int i = 0; i < pixels; i++) sum += in[off + i];
            out[p] = (float) (sum / pixels);
        }
        return output;
    }

    @Override
    public Tensor backward(Tensor gradOut, ExecutionContext ctx) {
        Buffers.requireGradShape(gradOut, output, describe());
        gradInput = Buffers.ensure(gradInput, output.dim(0), inSample);
        float[] dy = gradOut.data();
        float[] dx = gradInput.data();
        int pixels = inSample[1] * inSample[2];
        float inv = 1f / pixels;
        for (int p = 0; p < dy.length; p++) {
            float v = dy[p] * inv;
            int off = p * pixels;
            for (int i = 0; i < pixels; i++) dx[off + i] = v;
        }
        return gradInput;
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        Buffers.checkSampleShape(inputShape, 3, describe(), "[channels, height, width]");
        return new int[] {inputShape[0]};
    }

    @Override
    public String describe() {
        return "GlobalAvgPool2d";
    }
}
