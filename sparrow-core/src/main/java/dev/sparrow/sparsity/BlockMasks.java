package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;

import java.util.SplittableRandom;

/**
 * Block sparsity with r x 1 blocks along the output dimension: over a weight viewed as [rows, fanIn],
 * block (b, c) is column c of rows [r·b, min(rows, r·b + r)), so r consecutive output neurons share one
 * mask entry per input. When rows is not a multiple of r the last block row is partial (rows mod r
 * high), as in {@code dev.sparrow.sparse.BlockSparse}, which packs these masks. Blocks are numbered
 * b·fanIn + c; a layer has ceil(rows / r)·fanIn of them and keeps round(active / r) of them, which is
 * round(density · blocks) when rows is a multiple of r (and then exactly r times that many weights).
 * With a partial block row the block count is the exact one and the weight count is the budget only
 * when no partial block is kept (a partial block holds fewer weights, and with its smaller sum of |w|
 * it is usually the first to go), so the layer can end a little sparser than its budget.
 */
public final class BlockMasks {
    /** The block heights the inference format has kernels for. */
    public static final int[] HEIGHTS = {4, 16};

    private BlockMasks() {}

    /** Checks a block height option: 4 or 16. */
    public static void checkHeight(int r) {
        if (r != 4 && r != 16) throw new IllegalArgumentException("block height is " + r + "; expected 4 or 16");
    }

    static int blockRows(int rows, int r) {
        return (rows + r - 1) / r;
    }

    /** Blocks of a layer. */
    static int blocks(LayerBudget layer, int r) {
        return blockRows(layer.rows(), r) * layer.fanIn();
    }

    /** Blocks a sparse layer keeps: round(active / r), at least 1 (round(density · blocks) when r divides rows). */
    static int keptBlocks(LayerBudget layer, int r) {
        return (int) Math.max(1, Math.round((double) layer.active() / r));
    }

    /**
     * Checks that a sparse layer's budget is a whole number of blocks (see {@link #roundToBlocks}).
     *
     * @throws IllegalArgumentException naming the layer
     */
    static void checkLayer(LayerBudget layer, int r) {
        if (layer.rows() % r == 0 && layer.active() % r != 0) {
            throw new IllegalArgumentException("layer '" + layer.name() + "': budget of " + layer.active()
                    + " weights is not a whole number of " + r + "x1 blocks");
        }
    }

    /**
     * The budget in whole blocks: round(density x blocks) blocks, at least one; a layer that keeps all
     * its blocks is dense. When rows is a multiple of r the active count becomes r times the blocks;
     * otherwise it stays (the methods keep {@link #keptBlocks} blocks, round(active / r)).
     */
    static LayerBudget roundToBlocks(LayerBudget layer, int r) {
        if (layer.dense()) return layer;
        int kept = keptBlocks(layer, r);
        if (kept >= blocks(layer, r)) return layer.withActive(layer.size());
        return layer.rows() % r == 0 ? layer.withActive(kept * r) : layer;
    }

    /** Per block, the sum of |values| of its entries. */
    static float[] sumAbs(float[] values, int rows, int fanIn, int r) {
        float[] out = new float[blockRows(rows, r) * fanIn];
        for (int i = 0; i < rows; i++) {
            int row = i * fanIn;
            int blk = i / r * fanIn;
            for (int c = 0; c < fanIn; c++) out[blk + c] += Math.abs(values[row + c]);
        }
        return out;
    }

    /** Which blocks are active in a 0/1 mask (a block is read from its first row). */
    static boolean[] activeBlocks(float[] keep, int rows, int fanIn, int r) {
        boolean[] out = new boolean[blockRows(rows, r) * fanIn];
        for (int b = 0; b < blockRows(rows, r); b++) {
            int row = b * r * fanIn;
            for (int c = 0; c < fanIn; c++) out[b * fanIn + c] = keep[row + c] != 0f;
        }
        return out;
    }

    /** The element mask of a block mask. */
    static boolean[] expand(boolean[] blockKeep, int rows, int fanIn, int r) {
        boolean[] out = new boolean[rows * fanIn];
        for (int i = 0; i < rows; i++) System.arraycopy(blockKeep, i / r * fanIn, out, i * fanIn, fanIn);
        return out;
    }

    private static Mask toMask(boolean[] e) {
        float[] keep = new float[e.length];
        for (int i = 0; i < e.length; i++) keep[i] = e[i] ? 1f : 0f;
        return Mask.of(keep);
    }

    /** A random mask of exactly {@link #keptBlocks} whole blocks. */
    static Mask random(LayerBudget layer, int r, SplittableRandom rng) {
        checkLayer(layer, r);
        float[] blockKeep = MaskInit.random(blocks(layer, r), keptBlocks(layer, r), rng).values();
        boolean[] flags = new boolean[blockKeep.length];
        for (int i = 0; i < flags.length; i++) flags[i] = blockKeep[i] != 0f;
        return toMask(expand(flags, layer.rows(), layer.fanIn(), r));
    }

    /**
     * Keeps the {@code keepBlocks} blocks with the largest sum of |w| (ties to the lower block);
     * for one-shot pruning into blocks.
     */
    public static Mask largestBlocks(float[] weights, int rows, int fanIn, int r, int keepBlocks) {
        checkHeight(r);
        if (weights == null || rows < 1 || fanIn < 1 || (long) rows * fanIn != weights.length) {
            throw new IllegalArgumentException("rows " + rows + " x fan-in " + fanIn + " does not match the weights");
        }
        int n = blockRows(rows, r) * fanIn;
        if (keepBlocks < 0 || keepBlocks > n) throw new IllegalArgumentException("keep " + keepBlocks + " of " + n + " blocks");
        float[] scores = sumAbs(weights, rows, fanIn, r);
        boolean[] blockKeep = new boolean[n];
        for (int b : Ranking.largestAbs(scores, all(n), n, keepBlocks)) blockKeep[b] = true;
        return toMask(expand(blockKeep, rows, fanIn, r));
    }

    /** Blocks of a [rows, size / rows] layer: ceil(rows / r) · fanIn. */
    public static int blockCount(int rows, int fanIn, int r) {
        return blockRows(rows, r) * fanIn;
    }

    /** Active blocks of a mask made of whole blocks. */
    public static int activeBlockCount(Mask mask, int rows, int r) {
        boolean[] b = activeBlocks(mask.values(), rows, mask.size() / rows, r);
        int n = 0;
        for (boolean x : b) if (x) n++;
        return n;
    }

    /** Whether every r x 1 block of a mask (the last block row possibly partial) is all active or all pruned. */
    public static boolean wholeBlocks(Mask mask, int rows, int r) {
        float[] keep = mask.values();
        if (rows < 1 || keep.length % rows != 0) return false;
        int fanIn = keep.length / rows;
        for (int i = 0; i < rows; i++) {
            int first = i / r * r * fanIn;
            for (int c = 0; c < fanIn; c++) if ((keep[i * fanIn + c] != 0f) != (keep[first + c] != 0f)) return false;
        }
        return true;
    }

    static int[] all(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = i;
        return out;
    }
}
