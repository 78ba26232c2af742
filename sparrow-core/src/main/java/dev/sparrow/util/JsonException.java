package dev.sparrow.util;

/**
 * A JSON text that cannot be parsed, or a value that cannot be written as JSON. The message names the
 * position (for parsing) or the path inside the value (for writing) and what was expected there.
 */
public final class JsonException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final long position;

    JsonException(String message, long position) {
        super(message);
        this.position = position;
    }

    /** Character offset (0-based) in the parsed text where the problem was found, or -1 when writing. */
    public long position() { return position; }
}
