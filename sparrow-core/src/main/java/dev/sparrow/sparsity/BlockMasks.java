package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;

import java.util.SplittableRandom;

/**
 * Block sparsity with r x 1 blocks along the output dimension: over a weight viewed as [rows, fanIn],
 * block (b, c) is column c of rows [r·b, r·b + r), so r consecutive output neurons share one mask entry
 * per input. Blocks are numbered b·fanIn + c. The layout {@code dev.sparrow.sparse.BlockSparse} packs.
 */
public final class BlockMasks {
    /** The block heights the inference format has kernels for. */
    public static final int[] HEIGHTS = {4, 16};

    private BlockMasks() {}

    /** Checks a block height option: 4 or 16. */
    public static void checkHeight(int r) {
        if (r != 4 && r != 16) throw new IllegalArgumentException("block height is " + r + "; expected 4 or 16");
    }

    /** Blocks of a layer. */
    static int blocks(SparseLayer layer, int r) {
        return layer.rows() / r * layer.fanIn();
    }

    /**
     * Checks that a sparse layer splits into whole blocks and that its budget is a whole number of blocks.
     *
     * @throws IllegalArgumentException naming the layer
     */
    static void checkLayer(SparseLayer layer, int r) {
        if (layer.rows() % r != 0) {
            throw new IllegalArgumentException("layer '" + layer.name() + "' has " + layer.rows() + " outputs, not a multiple of the block "
                    + "height " + r + "; keep it dense (--dense-first/--dense-last) or use blocks of another height");
        }
        if (layer.active() % r != 0) {
            throw new IllegalArgumentException("layer '" + layer.name() + "': budget of " + layer.active()
                    + " weights is not a whole number of " + r + "x1 blocks");
        }
    }

    /** The budget rounded to whole blocks: r x round(density x blocks), at least one block. */
    static SparseLayer roundToBlocks(SparseLayer layer, int r) {
        if (layer.dense()) return layer;
        checkRows(layer, r);
        long blocks = Math.max(1, Math.round((double) layer.active() / layer.size() * blocks(layer, r)));
        return layer.withActive((int) (blocks * r));
    }

    private static void checkRows(SparseLayer layer, int r) {
        if (layer.rows() % r != 0) checkLayer(layer, r);
    }

    /** Per block, the sum of |values| of its r entries. */
    static float[] sumAbs(float[] values, int rows, int fanIn, int r) {
        float[] out = new float[rows / r * fanIn];
        for (int b = 0; b < rows / r; b++) {
            for (int i = b * r; i < b * r + r; i++) {
                int row = i * fanIn;
                int blk = b * fanIn;
                for (int c = 0; c < fanIn; c++) out[blk + c] += Math.abs(values[row + c]);
            }
        }
        return out;
    }

    /** Which blocks are active in a 0/1 mask (a block is read from its first row). */
    static boolean[] activeBlocks(float[] keep, int rows, int fanIn, int r) {
        boolean[] out = new boolean[rows / r * fanIn];
        for (int b = 0; b < rows / r; b++) {
            int row = b * r * fanIn;
            for (int c = 0; c < fanIn; c++) out[b * fanIn + c] = keep[row + c] != 0f;
        }
        return out;
    }

    /** The element mask of a block mask. */
    static boolean[] expand(boolean[] blockKeep, int rows, int fanIn, int r) {
        boolean[] out = new boolean[rows * fanIn];
        for (int b = 0; b < rows / r; b++) {
            for (int i = b * r; i < b * r + r; i++) {
                System.arraycopy(blockKeep, b * fanIn, out, i * fanIn, fanIn);
            }
        }
        return out;
    }

    /** A random mask of exactly {@code activeBlocks} whole blocks. */
    static Mask random(SparseLayer layer, int r, SplittableRandom rng) {
        checkLayer(layer, r);
        float[] blockKeep = MaskInit.random(blocks(layer, r), layer.active() / r, rng).values();
        boolean[] flags = new boolean[blockKeep.length];
        for (int i = 0; i < flags.length; i++) flags[i] = blockKeep[i] != 0f;
        boolean[] e = expand(flags, layer.rows(), layer.fanIn(), r);
        float[] keep = new float[e.length];
        for (int i = 0; i < e.length; i++) keep[i] = e[i] ? 1f : 0f;
        return Mask.of(keep);
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
        if (rows % r != 0) throw new IllegalArgumentException(rows + " outputs are not a multiple of the block height " + r);
        int n = rows / r * fanIn;
        if (keepBlocks < 0 || keepBlocks > n) throw new IllegalArgumentException("keep " + keepBlocks + " of " + n + " blocks");
        float[] scores = sumAbs(weights, rows, fanIn, r);
        boolean[] blockKeep = new boolean[n];
        for (int b : Ranking.largestAbs(scores, all(n), n, keepBlocks)) blockKeep[b] = true;
        boolean[] e = expand(blockKeep, rows, fanIn, r);
        float[] keep = new float[e.length];
        for (int i = 0; i < e.length; i++) keep[i] = e[i] ? 1f : 0f;
        return Mask.of(keep);
    }

    /** Whether every r x 1 block of a mask is all active or all pruned. */
    public static boolean wholeBlocks(Mask mask, int rows, int r) {
        float[] keep = mask.values();
        int fanIn = keep.length / rows;
        if (rows % r != 0) return false;
        for (int b = 0; b < rows / r; b++) {
            for (int c = 0; c < fanIn; c++) {
                boolean first = keep[b * r * fanIn + c] != 0f;
                for (int i = b * r + 1; i < b * r + r; i++) if ((keep[i * fanIn + c] != 0f) != first) return false;
            }
        }
        return true;
    }

    static int[] all(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = i;
        return out;
    }
}
