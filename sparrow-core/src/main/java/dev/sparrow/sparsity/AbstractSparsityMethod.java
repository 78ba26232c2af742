package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Parameter;
import dev.sparrow.optim.Optimizer;
import dev.sparrow.sparse.Structure;

import java.util.List;
import java.util.SplittableRandom;

/**
 * What the methods share: binding to layers and optimizer, the initial masks, a random source per
 * update derived from (seed, step), and committing a new mask (dropped weights and newly active ones
 * set to zero with their optimizer state reset).
 */
public abstract class AbstractSparsityMethod implements SparsityMethod {
    private final int blockHeight;
    private final boolean updatesReadGradient;
    private List<LayerBudget> layers = List.of();
    private Optimizer optimizer;
    private long updateSeed;

    /**
     * @param blockHeight         r for masks of whole r x 1 blocks along the output dimension (4 or 16;
     *                            see {@link BlockMasks}), or 1 for unstructured masks
     * @param updatesReadGradient whether {@link #update} reads the dense gradient (growth by gradient,
     *                            as RigL's), which then {@link #needsDenseGradient} reports on update steps
     */
    protected AbstractSparsityMethod(int blockHeight, boolean updatesReadGradient) {
        if (blockHeight != 1) BlockMasks.checkHeight(blockHeight);
        this.blockHeight = blockHeight;
        this.updatesReadGradient = updatesReadGradient;
    }

    /** r of r x 1 blocks, or 1 for unstructured masks. */
    public final int blockHeight() { return blockHeight; }

    /** r x 1 blocks when the method keeps whole blocks (a dense initial mask has them too). */
    @Override
    public Structure structure() {
        return blockHeight > 1 ? new Structure.Blocks(blockHeight, 1) : Structure.UNSTRUCTURED;
    }

    @Override
    public final void initialize(List<LayerBudget> layers, Optimizer optimizer, SplittableRandom rng) {
        bind(layers, optimizer, rng);
        for (LayerBudget l : this.layers) {
            l.parameter().setMask(l.dense() ? null : initialMask(l, rng));
            if (!l.dense()) afterInitialMask(l);
        }
    }

    @Override
    public final void resume(List<LayerBudget> layers, Optimizer optimizer, SplittableRandom rng) {
        bind(layers, optimizer, rng);
        for (LayerBudget l : this.layers) {
            if (!l.dense() && !l.parameter().hasMask()) {
                throw new IllegalArgumentException("layer '" + l.name() + "' has no mask to resume from");
            }
        }
    }

    private void bind(List<LayerBudget> layers, Optimizer optimizer, SplittableRandom rng) {
        if (layers == null || layers.isEmpty()) throw new IllegalArgumentException("layers must not be null or empty");
        if (rng == null) throw new IllegalArgumentException("rng must not be null");
        for (LayerBudget l : layers) if (l == null) throw new IllegalArgumentException("layers contains null");
        if (blockHeight > 1) {
            for (LayerBudget l : layers) if (!l.dense()) BlockMasks.checkLayer(l, blockHeight);
        }
        checkLayers(layers);
        this.layers = List.copyOf(layers);
        this.optimizer = optimizer;
        this.updateSeed = rng.nextLong();
    }

    @Override
    public final List<LayerBudget> layers() { return layers; }

    /** Hook to check the layers before binding (e.g. a structure they must allow); throws naming the layer. */
    protected void checkLayers(List<LayerBudget> layers) {}

    /**
     * The mask a sparse layer starts with; by default a random one with exactly its budget active (in
     * whole blocks when {@link #blockHeight} > 1).
     */
    protected Mask initialMask(LayerBudget layer, SplittableRandom rng) {
        if (blockHeight > 1) return BlockMasks.random(layer, blockHeight, rng);
        return MaskInit.random(layer.size(), layer.active(), rng);
    }

    /** Hook after a layer's initial mask is set (e.g. to record its fan-in). */
    protected void afterInitialMask(LayerBudget layer) {}

    @Override
    public final void afterStep(long step, long totalSteps) {
        if (step < 1) throw new IllegalArgumentException("step must be >= 1, got " + step);
        if (totalSteps < 1) throw new IllegalArgumentException("totalSteps must be >= 1, got " + totalSteps);
        if (layers.isEmpty()) throw new IllegalStateException(describe() + ": afterStep before initialize");
        if (!isUpdateStep(step, totalSteps)) return;
        for (LayerBudget l : layers) {
            if (!l.dense()) update(l, step, totalSteps);
        }
    }

    @Override
    public final boolean needsDenseGradient(long step, long totalSteps) {
        return updatesReadGradient && isUpdateStep(step, totalSteps);
    }

    @Override
    public final boolean updatesMasksAt(long step, long totalSteps) {
        return isUpdateStep(step, totalSteps);
    }

    /** Whether masks change after this step. */
    protected abstract boolean isUpdateStep(long step, long totalSteps);

    /** Updates one sparse layer's mask. */
    protected abstract void update(LayerBudget layer, long step, long totalSteps);

    /** A random source for the update at {@code step}, the same whenever that step is replayed. */
    protected final SplittableRandom updateRandom(long step) {
        long z = updateSeed + 0x9E3779B97F4A7C15L * (step + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new SplittableRandom(z ^ (z >>> 31));
    }

    /**
     * Makes {@code next} the layer's mask. Weights that become inactive are zeroed; weights that
     * become active start at zero (they were masked); both get zeroed optimizer state. A weight active
     * before and after keeps its value and state.
     *
     * @return how many weights became active
     */
    protected final int commit(LayerBudget layer, boolean[] next) {
        Parameter p = layer.parameter();
        float[] keep = p.mask().values();
        float[] w = p.value().data();
        int changed = 0;
        int grown = 0;
        for (int i = 0; i < keep.length; i++) {
            if ((keep[i] != 0f) != next[i]) changed++;
        }
        if (changed == 0) return 0;
        int[] reset = new int[changed];
        int j = 0;
        for (int i = 0; i < keep.length; i++) {
            boolean was = keep[i] != 0f;
            if (was == next[i]) continue;
            if (next[i]) grown++;
            keep[i] = next[i] ? 1f : 0f;
            w[i] = 0f;
            reset[j++] = i;
        }
        if (optimizer != null) optimizer.resetState(layer.name(), reset);
        return grown;
    }

    /** Current active positions of a layer. */
    protected static int[] activePositions(LayerBudget layer) {
        float[] keep = layer.parameter().mask().values();
        return Ranking.where(keep, 0, keep.length, true);
    }
}
