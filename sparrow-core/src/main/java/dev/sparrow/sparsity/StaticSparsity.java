package dev.sparrow.sparsity;

/** A random mask with exactly each layer's budget active, drawn once and never changed. */
public final class StaticSparsity extends AbstractSparsityMethod {

    @Override
    protected boolean isUpdateStep(long step, long totalSteps) { return false; }

    @Override
    protected void update(SparseLayer layer, long step, long totalSteps) {
        throw new AssertionError("static sparsity never updates");
    }

    @Override
    public String describe() { return "static"; }
}
