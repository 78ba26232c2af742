package dev.sparrow.infer;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.KernelCall;
import dev.sparrow.nn.layers.Im2col;

/**
 * A stride-1 convolution whose input is a k-WTA output: only the nonzero input positions are visited. Each
 * nonzero x[ci][y][x] is multiplied into every output pixel its patch reaches, through the nonzero weights of
 * (ci, ky, kx) only (weights stored input-major: for each of the cin·kh·kw kernel positions, the output channels
 * it feeds and their weights; a following BatchNorm is folded in, a ReLU fused). So the work is
 * (nonzero inputs) × (kernel positions inside the image) × (nonzero weights per position): the two sparsities
 * multiply. The output of one image (cout × outH × outW) stays in L1 while it is scattered into, and no im2col
 * matrix is built. A batch is split over the pool by samples.
 */
final class SparseInputConvStep extends Step {
    final String name;
    private final Im2col geometry;
    private final int[] colPtr;   // (cin·kh·kw + 1,): where each kernel position's output channels start
    private final char[] outRow;  // output channel of each nonzero weight
    private final float[] values;
    private final float[] bias;   // may be null
    private final boolean relu;
    private final boolean batchNormFolded;
    private final int outChannels;
    private final long nnz;
    private final ComputePool pool;

    /** {@code weights} row-major [cout][cin·kh·kw] (BatchNorm folded, masked weights 0). */
    SparseInputConvStep(String name, float[] weights, int cout, float[] bias, boolean relu, boolean batchNormFolded,
                        Im2col geometry, ComputePool pool) {
        super(geometry.channels * geometry.height * geometry.width, cout * geometry.cols());
        if (geometry.stride != 1) throw new IllegalArgumentException(name + ": sparse-input convolution needs stride 1");
        if (cout > 65536) throw new IllegalArgumentException(name + ": more than 65536 output channels");
        this.name = name;
        this.geometry = geometry;
        this.outChannels = cout;
        int cols = geometry.rows();
        colPtr = new int[cols + 1];
        for (int r = 0; r < cout; r++) for (int c = 0; c < cols; c++) if (weights[r * cols + c] != 0f) colPtr[c + 1]++;
        for (int c = 0; c < cols; c++) colPtr[c + 1] += colPtr[c];
        nnz = colPtr[cols];
        outRow = new char[(int) nnz];
        values = new float[(int) nnz];
        int[] next = java.util.Arrays.copyOf(colPtr, cols);
        for (int r = 0; r < cout; r++) {
            for (int c = 0; c < cols; c++) {
                float w = weights[r * cols + c];
                if (w == 0f) continue;
                int p = next[c]++;
                outRow[p] = (char) r;
                values[p] = w;
            }
        }
        this.bias = bias;
        this.relu = relu;
        this.batchNormFolded = batchNormFolded;
        this.pool = pool;
    }

    @Override
    Boolean readsTransposed() { return Boolean.FALSE; }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        if (batch == 1 || pool.threads() == 1) {
            for (int s = 0; s < batch; s++) image(in, s * inFeatures, out, s * outFeatures);
            return;
        }
        KernelCall<SparseInputConvStep, Workspace> call = KernelCall.of(this, ws);
        call.x = in;
        call.y = out;
        call.evenly(pool, batch, 1, (c, from, to) -> {
            for (int s = from; s < to; s++) c.target.image(c.x, s * c.target.inFeatures, c.y, s * c.target.outFeatures);
        });
    }

    /** One image: bias, then each nonzero input scattered through its kernel positions, then the ReLU. */
    private void image(float[] x, int xOff, float[] y, int yOff) {
        Im2col g = geometry;
        int oh = g.outH, ow = g.outW, pixels = oh * ow, h = g.height, w = g.width, kh = g.kh, kw = g.kw, pad = g.padding;
        for (int co = 0; co < outChannels; co++) {
            float b = bias == null ? 0f : bias[co];
            java.util.Arrays.fill(y, yOff + co * pixels, yOff + (co + 1) * pixels, b);
        }
        int[] ptr = colPtr;
        char[] rows = outRow;
        float[] vals = values;
        for (int ci = 0; ci < g.channels; ci++) {
            for (int iy = 0; iy < h; iy++) {
                int rowBase = xOff + (ci * h + iy) * w;
                // the kernel rows whose output row oy = iy + pad - ky is inside the output
                int kyFrom = Math.max(0, iy + pad - oh + 1), kyTo = Math.min(kh, iy + pad + 1);
                for (int ix = 0; ix < w; ix++) {
                    float v = x[rowBase + ix];
                    if (v == 0f) continue; // the point: k-WTA left most inputs zero
                    int kxFrom = Math.max(0, ix + pad - ow + 1), kxTo = Math.min(kw, ix + pad + 1);
                    for (int ky = kyFrom; ky < kyTo; ky++) {
                        int oy = iy + pad - ky;
                        int colBase = (ci * kh + ky) * kw;
                        for (int kx = kxFrom; kx < kxTo; kx++) {
                            int o = yOff + oy * ow + ix + pad - kx;
                            int col = colBase + kx;
                            for (int p = ptr[col], end = ptr[col + 1]; p < end; p++) y[o + rows[p] * pixels] += vals[p] * v;
                        }
                    }
                }
            }
        }
        if (relu) for (int i = yOff; i < yOff + outFeatures; i++) y[i] = Math.max(y[i], 0f);
    }

    @Override
    String format() { return "sparse-input scatter"; }

    @Override
    String describe() {
        double density = (double) nnz / ((double) outChannels * geometry.rows());
        return String.format("%s: Conv2d(%d->%d, %dx%d%s) on %dx%d%s%s density %.3f format sparse-input scatter "
                        + "(nonzero inputs only, after k-WTA)", name, geometry.channels, outChannels, geometry.kh, geometry.kw,
                geometry.padding != 0 ? ", pad " + geometry.padding : "", geometry.height, geometry.width,
                batchNormFolded ? "+BatchNorm(folded)" : "", relu ? "+ReLU" : "", density);
    }
}
