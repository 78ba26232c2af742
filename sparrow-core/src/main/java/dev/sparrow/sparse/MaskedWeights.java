package dev.sparrow.sparse;

import java.util.Objects;

/**
 * A dense weight matrix W [rows, cols] (row-major, y = W x as in PyTorch) with the mask of its active
 * entries: the input every sparse format is built from. An active entry is stored even if its value
 * is zero; an inactive one is treated as zero whatever its value.
 */
public final class MaskedWeights {
    private final String layerName;
    private final int rows;
    private final int cols;
    private final float[] values; // (rows * cols,) not copied: the formats copy what they keep
    private final boolean[] active; // (rows * cols,)

    private MaskedWeights(String layerName, int rows, int cols, float[] values, boolean[] active) {
        this.layerName = layerName;
        this.rows = rows;
        this.cols = cols;
        this.values = values;
        this.active = active;
    }

    /** Weights with a 0/1 float mask (any nonzero mask value counts as active). */
    public static MaskedWeights of(float[] values, float[] mask, int rows, int cols, String layerName) {
        checkShape(values, mask == null ? -1 : mask.length, rows, cols, layerName);
        boolean[] a = new boolean[mask.length];
        for (int i = 0; i < a.length; i++) a[i] = mask[i] != 0f;
        return new MaskedWeights(layerName, rows, cols, values, a);
    }

    /** Weights with a boolean mask (copied). */
    public static MaskedWeights of(float[] values, boolean[] mask, int rows, int cols, String layerName) {
        checkShape(values, mask == null ? -1 : mask.length, rows, cols, layerName);
        return new MaskedWeights(layerName, rows, cols, values, mask.clone());
    }

    /** Every entry active (a dense layer). */
    public static MaskedWeights dense(float[] values, int rows, int cols, String layerName) {
        checkShape(values, rows * cols, rows, cols, layerName);
        boolean[] a = new boolean[rows * cols];
        java.util.Arrays.fill(a, true);
        return new MaskedWeights(layerName, rows, cols, values, a);
    }

    private static void checkShape(float[] values, int maskLength, int rows, int cols, String layerName) {
        Objects.requireNonNull(layerName, "layerName");
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("layer '" + layerName + "': rows and cols must be >= 1, got " + rows + "x" + cols);
        }
        if ((long) rows * cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("layer '" + layerName + "': " + rows + "x" + cols + " is too large for one array");
        }
        if (values == null || values.length != rows * cols) {
            throw new IllegalArgumentException("layer '" + layerName + "': values must have rows*cols = " + rows * cols
                    + " elements, got " + (values == null ? "null" : values.length));
        }
        if (maskLength != rows * cols) {
            throw new IllegalArgumentException("layer '" + layerName + "': mask must have rows*cols = " + rows * cols
                    + " elements, got " + (maskLength < 0 ? "null" : maskLength));
        }
    }

    public String layerName() { return layerName; }
    public int rows() { return rows; }
    public int cols() { return cols; }

    public boolean isActive(int r, int c) { return active[r * cols + c]; }

    /** The value of an active entry (0 for an inactive one). */
    public float value(int r, int c) {
        int i = r * cols + c;
        return active[i] ? values[i] : 0f;
    }

    public int rowCount(int r) {
        int n = 0;
        for (int c = 0, i = r * cols; c < cols; c++, i++) if (active[i]) n++;
        return n;
    }

    public long activeCount() {
        long n = 0;
        for (boolean b : active) if (b) n++;
        return n;
    }

    /** The masked matrix as a new dense array: value where active, 0 elsewhere. */
    public float[] toMaskedDense() {
        float[] d = new float[values.length];
        for (int i = 0; i < d.length; i++) d[i] = active[i] ? values[i] : 0f;
        return d;
    }

    UnsupportedMaskException unsupported(String format, String detail) {
        return new UnsupportedMaskException(layerName, format, detail);
    }
}
