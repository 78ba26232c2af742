package dev.sparrow.train;

import dev.sparrow.sparsity.SparsityMethod;

/**
 * Runs a {@link SparsityMethod} inside {@code Trainer.fit}: register it with
 * {@code trainer.addListener}. The trainer calls {@code onStep} right after {@code optimizer.step}
 * and before the next batch's {@code zeroGrad}, so the method reads the dense gradient of the step
 * just taken; total steps are epochs × batches per epoch, as the trainer's schedule counts them. It lives
 * in {@code train}, not {@code sparsity}, so that the arrow between the two packages points one way
 * (train uses sparsity).
 */
public final class SparseTraining implements TrainListener {
    private final SparsityMethod method;
    private long totalSteps;

    public SparseTraining(SparsityMethod method) {
        if (method == null) throw new IllegalArgumentException("method must not be null");
        this.method = method;
    }

    public SparsityMethod method() { return method; }

    /** Total steps of the run (epochs x batches per epoch), known after the first {@code onEpochStart}; else 0. */
    public long totalSteps() { return totalSteps; }

    @Override
    public void onEpochStart(int epoch, int epochs, int batches) {
        totalSteps = (long) epochs * batches;
    }

    @Override
    public void onStep(int epoch, long globalStep, double loss, int samples) {
        if (totalSteps < 1) throw new IllegalStateException("onStep before onEpochStart: total steps unknown");
        method.afterStep(globalStep, totalSteps);
        if (method.updatesMasksAt(globalStep, totalSteps)) {
            for (var l : method.layers()) {
                if (l.parameter().isPacked()) l.parameter().pack();
            }
        }
    }

    @Override
    public boolean needsDenseGradient(long step) {
        return totalSteps < 1 || method.needsDenseGradient(step, totalSteps);
    }
}
