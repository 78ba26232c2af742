package dev.sparrow.sparsity;

/**
 * A random mask with exactly each layer's budget active, drawn once and never changed; with a block
 * height r > 1, a random set of whole r x 1 blocks.
 */
public final class StaticSparsity extends AbstractSparsityMethod {

    public StaticSparsity() {
        this(1);
    }

    /** @param blockHeight 4 or 16 for whole r x 1 blocks, 1 for none */
    public StaticSparsity(int blockHeight) {
        super(blockHeight, false);
    }

    @Override
    protected boolean isUpdateStep(long step, long totalSteps) { return false; }

    @Override
    protected void update(LayerBudget layer, long step, long totalSteps) {
        throw new AssertionError("static sparsity never updates");
    }

    @Override
    public String describe() { return blockHeight() > 1 ? "static(block=" + blockHeight() + ")" : "static"; }
}
