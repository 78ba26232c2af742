package dev.sparrow.train;

/** Hooks for progress display and logging; every method defaults to doing nothing. */
public interface TrainListener {

    default void onEpochStart(int epoch, int epochs, int batches) {}

    /** After each optimizer step; {@code samples} is the batch size just trained on. */
    default void onStep(int epoch, long globalStep, double loss, int samples) {}

    default void onEpochEnd(EpochResult result) {}

    TrainListener NONE = new TrainListener() {};
}
