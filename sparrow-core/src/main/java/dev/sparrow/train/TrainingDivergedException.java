package dev.sparrow.train;

/** The loss became NaN or infinite; training cannot go on with these settings. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
