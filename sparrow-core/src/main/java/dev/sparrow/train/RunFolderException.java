package dev.sparrow.train;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** A run folder's file could not be written; the message is one line naming the file and the reason. */
public final class RunFolderException extends IOException {
    private static final long serialVersionUID = 1L;

    private RunFolderException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code what}: the reason of {@code cause} in words (not its class name), e.g. "permission denied". */
    public static RunFolderException of(String what, IOException cause) {
        return new RunFolderException(what + ": " + reason(cause), cause);
    }

    static String reason(IOException e) {
        String r = switch (e) {
            case AccessDeniedException a -> "permission denied" + file(a);
            case NoSuchFileException n -> "no such file or folder" + file(n);
            case FileSystemException f -> (f.getReason() != null ? f.getReason() : f.getClass().getSimpleName()) + file(f);
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
        return r.replace('\n', ' ');
    }

    private static String file(FileSystemException f) {
        return f.getFile() != null ? " (" + f.getFile() + ")" : "";
    }
}
