package dev.sparrow.util;

/**
 * A bad value for a named argument of the Java API (e.g. {@code batchSize}); the message starts with the
 * argument's name, and {@link #argument()} lets a caller such as the CLI say it in its own words (a flag).
 */
public final class ArgumentException extends IllegalArgumentException {
    private final String argument;
    private final String problem;

    /**
     * @param argument the API argument's name, e.g. "batchSize"
     * @param problem  what is wrong, after the name, e.g. "is 0; expected >= 1"
     */
    public ArgumentException(String argument, String problem) {
        super(argument + " " + problem);
        this.argument = argument;
        this.problem = problem;
    }

    /** @return the API argument's name */
    public String argument() {
        return argument;
    }

    /** @return the message after the argument's name */
    public String problem() {
        return problem;
    }
}
