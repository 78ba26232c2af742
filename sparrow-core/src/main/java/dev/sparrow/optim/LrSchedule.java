package dev.sparrow.optim;

/** The learning rate at each optimizer step of a run of known length. */
@FunctionalInterface
public interface LrSchedule {
    /** Learning rate for step {@code step} (0-based) of {@code totalSteps}. */
    float at(long step, long totalSteps);
}
