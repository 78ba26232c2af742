package dev.sparrow.nn.layers;

import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.FlopCounting;
import dev.sparrow.nn.Layer;
import dev.sparrow.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The basic block of ResNet (He et al. 2016): out = ReLU(BN(conv3x3(ReLU(BN(conv3x3(x))))) + s(x)),
 * the first convolution carrying the stride. s is the identity when the shape is kept, otherwise a
 * 1×1 convolution with the same stride followed by BatchNorm (the "projection" shortcut). The
 * convolutions have no bias (BatchNorm's shift does that job).
 *
 * <p>Children, and so parameter names: 0 conv1, 1 bn1, 2 conv2, 3 bn2, and when projecting 4 = the
 * shortcut (4.0 conv, 4.1 bn).
 */
public final class ResidualBlock implements Layer, FlopCounting {
    private final int cin, cout, stride;
    private final Conv2d conv1, conv2;
    private final BatchNorm2d bn1, bn2;
    private final ReLU relu1 = new ReLU();
    private final Sequential shortcut; // null for the identity
    private final List<Layer> children;

    private int[] outSample;
    private Tensor output;    // (batch, cout, oh, ow)
    private Tensor gradSum;   // (batch, cout, oh, ow): gradient at the sum, before the final ReLU
    private Tensor gradInput; // (batch, cin, h, w): main path + shortcut gradients
    private int[] inSample;

    public ResidualBlock(int cin, int cout, int stride, SplittableRandom rng) {
        if (cin < 1 || cout < 1) throw new IllegalArgumentException("ResidualBlock: channels must be >= 1, got cin=" + cin + ", cout=" + cout);
        if (stride < 1) throw new IllegalArgumentException("ResidualBlock: stride must be >= 1, got " + stride);
        if (rng == null) throw new IllegalArgumentException("ResidualBlock: rng is null");
        this.cin = cin;
        this.cout = cout;
        this.stride = stride;
        this.conv1 = new Conv2d(cin, cout, 3, stride, 1, false, rng);
        this.bn1 = new BatchNorm2d(cout);
        this.conv2 = new Conv2d(cout, cout, 3, 1, 1, false, rng);
        this.bn2 = new BatchNorm2d(cout);
        this.shortcut = (stride != 1 || cin != cout)
                ? new Sequential(new Conv2d(cin, cout, 1, stride, 0, false, rng), new BatchNorm2d(cout))
                : null;
        List<Layer> c = new ArrayList<>(List.of(conv1, bn1, conv2, bn2));
        if (shortcut != null) c.add(shortcut);
        this.children = List.copyOf(c);
    }

    public boolean hasProjection() { return shortcut != null; }

    @Override
    public Tensor forward(Tensor x, ExecutionContext ctx) {
        Buffers.requireRank(x, 4, describe(), "[batch, " + cin + ", height, width]");
        if (!Buffers.sampleShapeEquals(x, inSample)) {
            int[] s = Buffers.sampleShape(x);
            outSample = outputShape(s);
            inSample = s;
        }
        Tensor main = bn2.forward(conv2.forward(relu1.forward(bn1.forward(conv1.forward(x, ctx), ctx), ctx), ctx), ctx);
        Tensor skip = shortcut == null ? x : shortcut.forward(x, ctx);
        output = Buffers.ensure(output, x.dim(0), outSample);
        float[] m = main.data(), s = skip.data(), y = output.data();
        for (int i = 0; i < y.length; i++) y[i] = Math.max(m[i] + s[i], 0f);
        return output;
    }

    @Override
    public Tensor backward(Tensor gradOut, ExecutionContext ctx) {
        Buffers.requireGradShape(gradOut, output, describe());
        int batch = output.dim(0);
        gradSum = Buffers.ensure(gradSum, batch, outSample);
        ctx.kernels().reluBackward(output.size(), output.data(), 0, gradOut.data(), 0, gradSum.data(), 0);
        Tensor gMain = conv1.backward(bn1.backward(relu1.backward(conv2.backward(bn2.backward(gradSum, ctx), ctx), ctx), ctx), ctx);
        Tensor gSkip = shortcut == null ? gradSum : shortcut.backward(gradSum, ctx);
        // conv1 owns gMain's buffer until its next call, so the sum goes into a buffer of our own
        gradInput = Buffers.ensure(gradInput, batch, inSample);
        float[] a = gMain.data(), b = gSkip.data(), d = gradInput.data();
        for (int i = 0; i < d.length; i++) d[i] = a[i] + b[i];
        return gradInput;
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        int[] main = conv2.outputShape(conv1.outputShape(inputShape));
        if (shortcut == null && !java.util.Arrays.equals(main, inputShape)) {
            throw new IllegalStateException(describe() + ": identity shortcut but shape changes");
        }
        return main;
    }

    @Override
    public long forwardFlops(int[] inputShape) {
        int[] mid = conv1.outputShape(inputShape);
        long f = conv1.forwardFlops(inputShape) + conv2.forwardFlops(mid);
        if (shortcut != null) f += shortcut.forwardFlops(inputShape);
        return f;
    }

    @Override
    public List<Layer> children() {
        return children;
    }

    @Override
    public String describe() {
        return "ResidualBlock(" + cin + "->" + cout + (stride != 1 ? ", stride " + stride : "")
                + (shortcut != null ? ", projection" : "") + ")";
    }
}
