package dev.sparrow.data;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * Which file names are images, without touching java.awt: a runtime linked without the java.desktop module
 * (a jlinked JDK on a server) can still ask, and read CSV or .npy inputs, where {@link ImageFiles} would fail to load.
 */
public final class ImageFileNames {
    /** The file name endings read as images. */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "gif");

    private ImageFileNames() {}

    /** Whether {@code file}'s name ends with an image extension. */
    public static boolean isImage(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = n.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(n.substring(dot + 1));
    }
}
