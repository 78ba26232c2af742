package dev.sparrow.io;

import java.io.IOException;

/** A file that does not follow the safetensors format; the message names the file and the bad field. */
public final class SafetensorsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public SafetensorsFormatException(String message) {
        super(message);
    }

    public SafetensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
