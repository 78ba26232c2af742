package dev.sparrow.train;

/** Hooks for progress display and logging; every method defaults to doing nothing. */
public interface TrainListener {

    default void onEpochStart(int epoch, int epochs, int batches) {}

    /** After each optimizer step; {@code samples} is the batch size just trained on. */
    default void onStep(int epoch, long globalStep, double loss, int samples) {}

    default void onEpochEnd(EpochResult result) {}

    /**
     * Whether this listener reads the dense weight gradient after optimizer step {@code step} (1-based:
     * the step about to be taken); the trainer asks before each step's backward pass.
     */
    default boolean needsDenseGradient(long step) { return false; }

    TrainListener NONE = new TrainListener() {};
}
