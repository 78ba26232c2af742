package dev.sparrow.data;

import java.io.IOException;

/** A dataset that is neither on disk nor downloadable; the message says where it looked and how to get it. */
public final class DatasetNotFoundException extends IOException {
    private static final long serialVersionUID = 1L;

    public DatasetNotFoundException(String message) {
        super(message);
    }

    public DatasetNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
