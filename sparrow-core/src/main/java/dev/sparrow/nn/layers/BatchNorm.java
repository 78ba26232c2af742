package dev.sparrow.nn.layers;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Parameter;
import dev.sparrow.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Batch normalisation (Ioffe and Szegedy 2015) over an input viewed as [batch, channels, spatial]:
 * y = γ·(x − μ)/√(σ² + ε) + β per channel. In training μ and σ² are the batch's (biased variance), and
 * the running statistics move toward them with momentum 0.1 (the running variance takes the unbiased
 * batch variance, as PyTorch does); in evaluation the running statistics are used. γ ("weight", starts
 * at 1) and β ("bias", starts at 0) are not weight-decayed. Statistics are summed in double; work is
 * split over channels, so results do not depend on the thread count.
 */
public abstract class BatchNorm implements Layer {
    public static final double DEFAULT_EPS = 1e-5;
    public static final double DEFAULT_MOMENTUM = 0.1;

    protected final int channels;
    private final double eps;
    private final double momentum;
    private final Parameter gamma;      // (channels,)
    private final Parameter beta;       // (channels,)
    private final Tensor runningMean;   // (channels,)
    private final Tensor runningVar;    // (channels,)

    private final float[] invStd;       // (channels,) of the last forward
    private Tensor normalized;          // like the input: x̂ of the last forward
    private Tensor input;               // the caller's tensor
    private Tensor output;              // like the input
    private Tensor gradInput;           // like the input
    private Tensor gradOutput;          // the caller's tensor during backward
    private int[] sample;
    private boolean trainedForward;
    private int batch, spatial;
    private final ComputePool.RangeTask forwardTask = this::forwardChannels;
    private final ComputePool.RangeTask backwardTask = this::backwardChannels;

    protected BatchNorm(int channels, double eps, double momentum) {
        if (channels < 1) throw new IllegalArgumentException(getClass().getSimpleName() + ": channels must be >= 1, got " + channels);
        if (!(eps > 0)) throw new IllegalArgumentException(getClass().getSimpleName() + ": eps must be > 0, got " + eps);
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": momentum must be in [0, 1], got " + momentum);
        }
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        Tensor g = Tensor.zeros(channels);
        g.fill(1f);
        this.gamma = new Parameter("weight", g, false);
        this.beta = new Parameter("bias", Tensor.zeros(channels), false);
        this.runningMean = Tensor.zeros(channels);
        this.runningVar = Tensor.zeros(channels);
        this.runningVar.fill(1f);
        this.invStd = new float[channels];
    }

    /** Checks the input's rank and channel count; returns the spatial size per channel. */
    protected abstract int checkInput(Tensor x);

    public Parameter weight() { return gamma; }

    public Parameter bias() { return beta; }

    public double eps() { return eps; }

    public Tensor runningMean() { return runningMean; }

    public Tensor runningVar() { return runningVar; }

    @Override
    public Tensor forward(Tensor x, ExecutionContext ctx) {
        spatial = checkInput(x);
        batch = x.dim(0);
        trainedForward = ctx.training();
        if (trainedForward && batch * spatial < 2) {
            throw new IllegalArgumentException(describe() + ": training needs more than one value per channel, got input "
                    + x.shapeString());
        }
        if (!Buffers.sampleShapeEquals(x, sample)) sample = Buffers.sampleShape(x);
        output = Buffers.ensure(output, batch, sample);
        normalized = Buffers.ensure(normalized, batch, sample);
        input = x;
        ctx.pool().parallelFor(channels, 1, forwardTask);
        return output;
    }

    private void forwardChannels(int from, int to) {
        float[] x = input.data();
        float[] y = output.data();
        float[] xh = normalized.data();
        float[] g = gamma.value().data();
        float[] b = beta.value().data();
        float[] rm = runningMean.data();
        float[] rv = runningVar.data();
        int stride = channels * spatial;
        long count = (long) batch * spatial;
        for (int c = from; c < to; c++) {
            double mean, var;
            if (trainedForward) {
                double sum = 0;
                for (int n = 0; n < batch; n++) {
                    int off = n * stride + c * spatial;
                    for (int i = 0; i < spatial; i++) sum += x[off + i];
                }
                mean = sum / count;
                double sq = 0;
                for (int n = 0; n < batch; n++) {
                    int off = n * stride + c * spatial;
                    for (int i = 0; i < spatial; i++) {
                        double d = x[off + i] - mean;
                        sq += d * d;
                    }
                }
                var = sq / count;
                rm[c] = (float) ((1 - momentum) * rm[c] + momentum * mean);
                rv[c] = (float) ((1 - momentum) * rv[c] + momentum * sq / (count - 1));
            } else {
                mean = rm[c];
                var = rv[c];
            }
            double is = 1.0 / Math.sqrt(var + eps);
            invStd[c] = (float) is;
            float scale = g[c];
            float shift = b[c];
            for (int n = 0; n < batch; n++) {
                int off = n * stride + c * spatial;
                for (int i = 0; i < spatial; i++) {
                    float v = (float) ((x[off + i] - mean) * is);
                    xh[off + i] = v;
                    y[off + i] = scale * v + shift;
                }
            }
        }
    }

    @Override
    public Tensor backward(Tensor gradOut, ExecutionContext ctx) {
        Buffers.requireGradShape(gradOut, output, describe());
        gradInput = Buffers.ensure(gradInput, batch, sample);
        gradOutput = gradOut;
        ctx.pool().parallelFor(channels, 1, backwardTask);
        gradOutput = null;
        return gradInput;
    }

    private void backwardChannels(int from, int to) {
        float[] dy = gradOutput.data();
        float[] dx = gradInput.data();
        float[] xh = normalized.data();
        float[] g = gamma.value().data();
        float[] dg = gamma.grad().data();
        float[] db = beta.grad().data();
        int stride = channels * spatial;
        long count = (long) batch * spatial;
        for (int c = from; c < to; c++) {
            double sumDy = 0, sumDyXh = 0;
            for (int n = 0; n < batch; n++) {
                int off = n * stride + c * spatial;
                for (int i = 0; i < spatial; i++) {
                    sumDy += dy[off + i];
                    sumDyXh += (double) dy[off + i] * xh[off + i];
                }
            }
            dg[c] += (float) sumDyXh;
            db[c] += (float) sumDy;
            double k = (double) g[c] * invStd[c];
            if (trainedForward) {
                // dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)): the batch statistics depend on x too
                double meanDy = sumDy / count;
                double meanDyXh = sumDyXh / count;
                for (int n = 0; n < batch; n++) {
                    int off = n * stride + c * spatial;
                    for (int i = 0; i < spatial; i++) {
                        dx[off + i] = (float) (k * (dy[off + i] - meanDy - xh[off + i] * meanDyXh));
                    }
                }
            } else {
                float kf = (float) k;
                for (int n = 0; n < batch; n++) {
                    int off = n * stride + c * spatial;
                    for (int i = 0; i < spatial; i++) dx[off + i] = kf * dy[off + i];
                }
            }
        }
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(gamma, beta);
    }

    @Override
    public Map<String, Tensor> buffers() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("running_mean", runningMean);
        m.put("running_var", runningVar);
        return m;
    }

    @Override
    public String describe() {
        return getClass().getSimpleName() + "(" + channels + ")";
    }
}
