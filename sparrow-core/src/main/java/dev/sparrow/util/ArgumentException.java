package dev.sparrow.util;

/**
 * A bad value for a named argument of the Java API (e.g. {@code batchSize}); the message starts with the
 * argument's name, and {@link #argument()} lets a caller such as the CLI say it in its own words (a flag).
 */
public final class ArgumentException extends IllegalArgumentException {
    private final String argument;
    private final String problem;
    private final java.util.List<String> related;

    /**
     * @param argument the API argument's name, e.g. "batchSize"
     * @param problem  what is wrong, after the name, e.g. "is 0; expected >= 1"
     * @param related  other arguments the problem names as words, e.g. "method" in "works with method static"
     */
    public ArgumentException(String argument, String problem, String... related) {
        super(argument + " " + problem);
        this.argument = argument;
        this.problem = problem;
        this.related = java.util.List.of(related);
    }

    /** @return the other API arguments that {@link #problem()} names, as whole words */
    public java.util.List<String> related() {
        return related;
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
