package dev.sparrow.data;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/** Fetches one remote file. Injected so that dataset lookup can be tested without a network. */
@FunctionalInterface
public interface Downloader {
    /** Writes the whole content at {@code source} into {@code target} (which exists and is empty), or throws. */
    void download(URI source, Path target) throws IOException;
}
