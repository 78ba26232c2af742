package dev.sparrow.sparse;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.KernelCall;

/**
 * A dense convolution's weights for the pixel-tiled direct convolution (MLAS's NCHWc design with the output channels
 * as the vector): a register tile of two vectors of output channels x 6 output pixels (or three vectors x 4 pixels),
 * per tap two (three) vector loads of the block's weights and one broadcast of each pixel's input value, 12 FMAs, no
 * offset table per pixel and no unaligned input vectors.
 *
 * <p>The input is the same zero-padded planes as {@link ShiftedPlaneConv} ({@code channelStride} floats per channel,
 * {@code rowStride} per row), but the output pixels are a list of input offsets (tap (0, 0, 0) of each), so any stride
 * and any image size compute only the valid pixels: a 4x4 output is 16 pixels, not the 25-32 positions of the shifted
 * planes, and a stride-2 layer reads every other column. The result is pixel-major: acc[i·ldAcc + r] for pixel i and
 * output channel r ({@code ldAcc} at least {@link #paddedRows()}), which the caller transposes back to NCHW.
 */
public final class PixelTileConv {
    /** Output pixels per register tile of the 2-vector form (2 x 6 = 12 accumulators + 2 weights + 1 broadcast of 16 AVX2 registers). */
    public static final int PIXELS = 6;
    /** Output pixels per register tile of the 3-vector form (3 x 4 = 12 accumulators + 3 weights + 1 broadcast). */
    public static final int PIXELS_3 = 4;

    /** Output channels per block: {@link #vectors} vectors of the kernels' width (16 or 24 at 256 bits, 32 or 48 at 512). */
    final int block;
    /** Weight vectors per block (2 or 3) and output pixels per tile (6 or 4). */
    final int vectors, tilePixels;

    final String layerName;
    final int rows;
    final int taps;
    /** Every weight, packed [block][tap][{@link #block}], zeros past the last row. */
    final float[] packed;
    /** (taps,) c·channelStride + ky·rowStride + kx of each tap, in im2col's order. */
    final int[] offsets;
    /** (pixels,) where each output pixel's tap (0, 0, 0) reads, relative to the call's input offset. */
    final int[] pixels;
    private final int maxRead;

    private PixelTileConv(String layerName, int rows, int taps, float[] packed, int[] offsets, int[] pixels, int maxRead,
                          int vectors) {
        this.vectors = vectors;
        this.block = vectors * VectorSupport.L;
        this.tilePixels = vectors == 2 ? PIXELS : PIXELS_3;
        this.layerName = layerName;
        this.rows = rows;
        this.taps = taps;
        this.packed = packed;
        this.offsets = offsets;
        this.pixels = pixels;
        this.maxRead = maxRead;
    }

    /**
     * Weights [rows][channels·kh·kw] (im2col's order: k = (c·kh + ky)·kw + kx), every one kept, over planes of
     * {@code channelStride} floats with rows {@code rowStride} apart; {@code pixels} the output pixels' input offsets
     * (a call computes a prefix of them).
     */
    public static PixelTileConv ofDense(String layerName, float[] weights, int rows, int channels, int kh, int kw,
                                        int channelStride, int rowStride, int[] pixels) {
        return ofDense(layerName, weights, rows, channels, kh, kw, channelStride, rowStride, pixels, 2);
    }

    /**
     * As {@link #ofDense(String, float[], int, int, int, int, int, int, int[])} with blocks of {@code vectors} (2: tiles
     * of 2 vectors x {@value #PIXELS} pixels; 3: 3 vectors x {@value #PIXELS_3} pixels, fewer loads per FMA and no
     * short tile on 4x4 images).
     */
    public static PixelTileConv ofDense(String layerName, float[] weights, int rows, int channels, int kh, int kw,
                                        int channelStride, int rowStride, int[] pixels, int vectors) {
        if (vectors != 2 && vectors != 3) throw new IllegalArgumentException("layer '" + layerName + "': vectors must be 2 or 3");
        final int m = vectors * VectorSupport.L;
        if (rows < 1 || channels < 1 || kh < 1 || kw < 1 || rowStride < 1 || channelStride < 1 || pixels == null) {
            throw new IllegalArgumentException("layer '" + layerName + "': bad pixel-tiled conv geometry: rows " + rows
                    + ", channels " + channels + ", kernel " + kh + "x" + kw + ", channel stride " + channelStride
                    + ", row stride " + rowStride);
        }
        int taps = Math.multiplyExact(channels, kh * kw);
        if (weights == null || weights.length != (long) rows * taps) {
            throw new IllegalArgumentException("layer '" + layerName + "': weights must have " + (long) rows * taps
                    + " values, got " + (weights == null ? "null" : weights.length));
        }
        int blocks = (rows + m - 1) / m;
        float[] packed = new float[Math.multiplyExact(Math.multiplyExact(blocks, taps), m)];
        for (int r = 0; r < rows; r++) {
            int base = r / m * taps * m + r % m;
            for (int k = 0; k < taps; k++) packed[base + k * m] = weights[r * taps + k];
        }
        int[] offsets = new int[taps];
        long maxOffset = 0;
        for (int k = 0; k < taps; k++) {
            long o = (long) (k / (kh * kw)) * channelStride + (long) (k / kw % kh) * rowStride + k % kw;
            if (o > Integer.MAX_VALUE / 2) throw new IllegalArgumentException("layer '" + layerName + "': planes too large");
            offsets[k] = (int) o;
            maxOffset = Math.max(maxOffset, o);
        }
        long maxPixel = 0;
        for (int p : pixels) {
            if (p < 0) throw new IllegalArgumentException("layer '" + layerName + "': negative pixel offset " + p);
            maxPixel = Math.max(maxPixel, p);
        }
        return new PixelTileConv(layerName, rows, taps, packed, offsets, pixels.clone(),
                Math.toIntExact(maxOffset + maxPixel + 1), vectors);
    }

    /**
     * The form for {@code rows} output channels: 3 vectors (measured 1-25% faster per useful FLOP than 2 on the 3x3
     * layers of 64-512 channels, side by side, 1 thread, AVX2: fewer loads per FMA) unless its larger block wastes
     * more than that on padding rows (few channels).
     */
    public static int vectorsFor(int rows) {
        int l = VectorSupport.L;
        long two = (rows + 2L * l - 1) / (2L * l) * (2L * l), three = (rows + 3L * l - 1) / (3L * l) * (3L * l);
        return three * 85 < two * 100 ? 3 : 2;
    }

    public String layerName() { return layerName; }

    public int rows() { return rows; }

    /** Output channels rounded up to whole blocks: the least ldAcc, since the kernel stores whole blocks. */
    public int paddedRows() { return (rows + block - 1) / block * block; }

    /** Output channels per block (the register tile's vectors x the vector width). */
    public int block() { return block; }

    /** Output pixels per register tile. */
    public int tilePixels() { return tilePixels; }

    /** Output pixels known ({@link #accumulate} computes a prefix of them). */
    public int pixelCount() { return pixels.length; }

    /**
     * acc[accOff + i·ldAcc + r] = sum over taps t of w[r][t] · in[inOff + pixels[i] + offsets[t]] for pixels i in
     * [0, count) and every output channel r (rows past the last up to {@link #paddedRows()} get zeros). Threads split
     * the channel blocks.
     */
    public void accumulate(SparseKernels k, float[] in, int inOff, int count, float[] acc, int accOff, int ldAcc,
                           ComputePool pool) {
        if (k == null || pool == null) throw bad("kernels and pool must not be null");
        if (count < 0 || count > pixels.length) throw bad("count must be in [0, " + pixels.length + "], got " + count);
        if (count == 0) return;
        if (in == null || inOff < 0 || (long) inOff + maxRead > in.length) {
            throw bad("in needs " + maxRead + " floats from offset " + inOff + " but has " + (in == null ? "null" : in.length));
        }
        if (acc == null || ldAcc < paddedRows() || accOff < 0 || (long) accOff + (long) (count - 1) * ldAcc + paddedRows() > acc.length) {
            throw bad("acc needs " + count + " pixels of " + paddedRows() + " (ld " + ldAcc + ") from offset " + accOff
                    + " but has " + (acc == null ? "null" : acc.length));
        }
        KernelCall.of(this, k).spmm(in, inOff, 0, count, acc, accOff, ldAcc, null, false).evenly(pool,
                (rows + block - 1) / block, 1, (c, from, to) -> c.context.pixelTileConv(c.target, c.x, c.xOff, c.batch,
                        c.y, c.yOff, c.ldy, from, to));
    }

    private IllegalArgumentException bad(String what) {
        return new IllegalArgumentException("layer '" + layerName + "' (pixel-tiled conv): " + what);
    }
}
