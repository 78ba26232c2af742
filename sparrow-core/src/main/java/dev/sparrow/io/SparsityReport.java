package dev.sparrow.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Per-layer sparsity of a checkpoint, read from its tensors alone (no model needed), for
 * {@code sparrow inspect} and the summary line of {@code sparrow train}. A layer is a masked parameter
 * or a sparsifiable weight (named "weight" or "*.weight", rank 2 or 4) even without a mask. A weight
 * counts as active where its mask is 1, or, without a mask, where it is nonzero (so N:M runs, whose
 * pattern lives in the weights, are reported too). Rows are output neurons: the weight viewed as
 * [rows, fanIn], for a convolution [cout, cin·kh·kw]; a row with no active input is an ablated neuron.
 */
public record SparsityReport(List<Layer> layers) {

    /**
     * One layer.
     *
     * @param masked  whether the checkpoint has a mask for it (otherwise nonzero weights were counted)
     * @param ablated rows with fan-in 0
     */
    public record Layer(String name, int[] shape, long active, long size, boolean masked, int rows,
                        int fanInMin, double fanInMean, int fanInMax, int ablated) {
        public Layer {
            shape = shape.clone();
        }

        @Override
        public int[] shape() { return shape.clone(); }

        public double sparsity() { return size == 0 ? 0 : 1.0 - (double) active / size; }

        @Override
        public boolean equals(Object o) {
            return o instanceof Layer l && l.name.equals(name) && Arrays.equals(l.shape, shape) && l.active == active
                    && l.size == size && l.masked == masked && l.rows == rows && l.fanInMin == fanInMin
                    && l.fanInMean == fanInMean && l.fanInMax == fanInMax && l.ablated == ablated;
        }

        @Override
        public int hashCode() { return name.hashCode() * 31 + Long.hashCode(active); }
    }

    public SparsityReport {
        layers = List.copyOf(layers);
    }

    /** The report of a checkpoint's masked and sparsifiable parameters, in file order. */
    public static SparsityReport of(CheckpointData checkpoint) {
        if (checkpoint == null) throw new IllegalArgumentException("checkpoint is null");
        List<Layer> out = new ArrayList<>();
        for (TensorSummary t : checkpoint.summary()) {
            if (t.kind() != TensorSummary.Kind.PARAMETER) continue;
            TensorData mask = checkpoint.tensors().get(t.name() + Checkpoint.MASK_SUFFIX);
            int rank = t.shape().length;
            boolean sparsifiable = (t.name().equals("weight") || t.name().endsWith(".weight")) && (rank == 2 || rank == 4);
            if (mask == null && !sparsifiable) continue;
            if (rank == 0 || t.elements() == 0) continue;
            out.add(layer(checkpoint, t, mask));
        }
        return new SparsityReport(out);
    }

    private static Layer layer(CheckpointData checkpoint, TensorSummary t, TensorData mask) {
        int size = (int) t.elements();
        boolean[] active = new boolean[size];
        if (mask != null) {
            if (mask.dtype() == DType.F32) {
                float[] k = mask.toF32();
                for (int i = 0; i < size; i++) active[i] = k[i] != 0f;
            } else if (mask.dtype() == DType.U8 || mask.dtype() == DType.BOOL) {
                byte[] k = mask.toU8();
                for (int i = 0; i < size; i++) active[i] = k[i] != 0;
            } else {
                throw new IllegalArgumentException("checkpoint " + checkpoint.file() + ": mask '" + t.name() + Checkpoint.MASK_SUFFIX
                        + "' is " + mask.dtype() + "; expected U8, BOOL or F32");
            }
        } else {
            TensorData w = checkpoint.tensors().get(t.name());
            if (w.dtype() != DType.F32) {
                throw new IllegalArgumentException("checkpoint " + checkpoint.file() + ": parameter '" + t.name() + "' is "
                        + w.dtype() + "; expected F32");
            }
            float[] v = w.toF32();
            for (int i = 0; i < size; i++) active[i] = v[i] != 0f;
        }
        int rows = t.shape()[0];
        int fanIn = size / rows;
        long total = 0;
        int min = Integer.MAX_VALUE;
        int max = 0;
        int ablated = 0;
        for (int r = 0; r < rows; r++) {
            int n = 0;
            for (int i = r * fanIn; i < (r + 1) * fanIn; i++) if (active[i]) n++;
            total += n;
            min = Math.min(min, n);
            max = Math.max(max, n);
            if (n == 0) ablated++;
        }
        return new Layer(t.name(), t.shape(), total, size, mask != null, rows, min, (double) total / rows, max, ablated);
    }

    public long active() {
        long n = 0;
        for (Layer l : layers) n += l.active();
        return n;
    }

    public long size() {
        long n = 0;
        for (Layer l : layers) n += l.size();
        return n;
    }

    /** Sparsity over all reported layers. */
    public double sparsity() { return size() == 0 ? 0 : 1.0 - (double) active() / size(); }

    /** A fixed-width table, one line per layer, then the total. */
    public String table() {
        int width = "layer".length();
        for (Layer l : layers) width = Math.max(width, l.name().length());
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-" + width + "s  %-18s  %-6s  %21s  %8s  %23s  %s%n", "layer", "shape", "counts",
                "active/total", "sparsity", "fan-in min/mean/max", "ablated neurons"));
        for (Layer l : layers) {
            sb.append(String.format(Locale.ROOT, "%-" + width + "s  %-18s  %-6s  %21s  %7.2f%%  %23s  %d of %d%n", l.name(),
                    Arrays.toString(l.shape()), l.masked() ? "mask" : "w != 0", l.active() + "/" + l.size(), 100 * l.sparsity(),
                    String.format(Locale.ROOT, "%d / %.1f / %d", l.fanInMin(), l.fanInMean(), l.fanInMax()), l.ablated(), l.rows()));
        }
        sb.append(String.format(Locale.ROOT, "total: %d of %d active (%.2f%% sparse)%n", active(), size(), 100 * sparsity()));
        return sb.toString();
    }
}
