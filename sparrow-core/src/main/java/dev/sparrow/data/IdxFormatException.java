package dev.sparrow.data;

import java.io.IOException;

/** An IDX file that is not what its header or its callers say it is; the message names file and field. */
public final class IdxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public IdxFormatException(String message) {
        super(message);
    }

    public IdxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
