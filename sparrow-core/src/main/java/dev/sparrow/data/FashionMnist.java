package dev.sparrow.data;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 28x28 grey images of 10 kinds of clothing,
 * 60000 for training and 10000 for testing, in IDX files.
 *
 * <p>{@link Locator} finds the four files, in this order: an explicit directory ({@code --data DIR}),
 * the directory in {@code $SPARROW_DATA}, {@code ~/.cache/sparrow/fashion-mnist}, then
 * {@code /usr/share/datasets/fashion-mnist} (Debian package dataset-fashion-mnist). If none holds
 * them it downloads the missing ones into the cache directory and checks their SHA-256.
 * {@link #read} (or {@link #load}, which locates first) reads one split and checks its structure (counts, 28x28, labels 0..9).
 */
public final class FashionMnist {
    private FashionMnist() {}

    public static final String BASE_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
    public static final String ENV_VAR = "SPARROW_DATA";
    public static final String SYSTEM_DIR = "/usr/share/datasets/fashion-mnist";
    /** Mean and standard deviation of the training pixels in [0, 1], for normalisation. */
    public static final float MEAN = 0.2860f;
    public static final float STD = 0.3530f;
    public static final int CLASSES = 10;
    public static final int SIDE = 28;
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** One file of the dataset: its name without ".gz", and the SHA-256 of the published .gz. */
    record FileSpec(String baseName, String sha256) {
        String gzName() { return baseName + ".gz"; }
    }

    static final List<FileSpec> FILES = List.of(
            new FileSpec("train-images-idx3-ubyte", "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"),
            new FileSpec("train-labels-idx1-ubyte", "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"),
            new FileSpec("t10k-images-idx3-ubyte", "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"),
            new FileSpec("t10k-labels-idx1-ubyte", "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"));

    public enum Split {
        TRAIN("train", 60000), TEST("t10k", 10000);

        private final String prefix;
        private final int count;

        Split(String prefix, int count) {
            this.prefix = prefix;
            this.count = count;
        }

        /** Number of samples the split must have. */
        public int count() { return count; }

        String imagesName() { return prefix + "-images-idx3-ubyte"; }

        String labelsName() { return prefix + "-labels-idx1-ubyte"; }
    }

    /**
     * Where the files were found.
     *
     * @param files  path of each file by its name without ".gz" (the file itself may or may not be gzipped)
     * @param origin which source held them, e.g. "dataDir /x" or "downloaded into ~/.cache/..."
     */
    public record Location(Map<String, Path> files, String origin) {}

    /** Loads one split, finding (or downloading) the files as {@link Locator#fromEnvironment} does. */
    public static ImageDataset load(Split split, Path explicitDirOrNull) throws IOException {
        return read(split, Locator.fromEnvironment(explicitDirOrNull).locate());
    }

    /** Loads one split from located files and checks its structure. */
    public static ImageDataset read(Split split, Location location) throws IOException {
        if (split == null) throw new IllegalArgumentException("split must not be null");
        if (location == null) throw new IllegalArgumentException("location must not be null");
        IdxReader reader = new IdxReader();
        IdxData images = reader.read(requireFile(location, split.imagesName()));
        IdxData labels = reader.read(requireFile(location, split.labelsName()));
        int n = split.count();
        if (images.dims().length != 3 || images.dims()[0] != n || images.dims()[1] != SIDE || images.dims()[2] != SIDE) {
            throw new IdxFormatException(images.source() + ": holds " + images.dimsString() + " images; Fashion-MNIST "
                    + split.name().toLowerCase(java.util.Locale.ROOT) + " needs " + n + " x " + SIDE + " x " + SIDE);
        }
        if (labels.dims().length != 1 || labels.dims()[0] != n) {
            throw new IdxFormatException(labels.source() + ": holds " + labels.dimsString() + " labels; Fashion-MNIST "
                    + split.name().toLowerCase(java.util.Locale.ROOT) + " needs " + n);
        }
        byte[] raw = labels.data();
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = raw[i] & 0xff;
            if (y[i] >= CLASSES) {
                throw new IdxFormatException(labels.source() + ": label " + y[i] + " at item " + i + " is outside 0.."
                        + (CLASSES - 1));
            }
        }
        return Dataset.of("fashion-mnist-" + split.name().toLowerCase(java.util.Locale.ROOT), images.data(), y, 1, SIDE, SIDE, CLASSES)
                .withClassNames(CLASS_NAMES);
    }

    private static Path requireFile(Location location, String baseName) {
        Path p = location.files().get(baseName);
        if (p == null) throw new IllegalArgumentException("location " + location.origin() + " has no " + baseName);
        return p;
    }

    /** Finds the dataset's files; every outside input is injected so that tests need no network or home. */
    public static final class Locator {
        private final Path explicitDir;
        private final String envDir;
        private final Path cacheDir;
        private final Path systemDir;
        private final Downloader downloader;
        private final String baseUrl;
        private final List<FileSpec> files;

        /**
         * @param explicitDir {@code --data DIR}, or null
         * @param envDir      value of {@code $SPARROW_DATA}, or null
         * @param home        the user's home directory (the cache is {@code home/.cache/sparrow/fashion-mnist})
         * @param systemDir   the system-wide directory, or null to skip it
         * @param downloader  used when no directory holds the files
         */
        public Locator(Path explicitDir, String envDir, Path home, Path systemDir, Downloader downloader) {
            this(explicitDir, envDir, home.resolve(".cache").resolve("sparrow").resolve("fashion-mnist"), systemDir,
                    downloader, BASE_URL, FILES);
        }

        Locator(Path explicitDir, String envDir, Path cacheDir, Path systemDir, Downloader downloader, String baseUrl,
                List<FileSpec> files) {
            if (cacheDir == null) throw new IllegalArgumentException("home/cache directory must not be null");
            if (downloader == null) throw new IllegalArgumentException("downloader must not be null");
            this.explicitDir = explicitDir;
            this.envDir = envDir == null || envDir.isBlank() ? null : envDir;
            this.cacheDir = cacheDir;
            this.systemDir = systemDir;
            this.downloader = downloader;
            this.baseUrl = baseUrl;
            this.files = files;
        }

        /** The real environment: {@code $SPARROW_DATA}, {@code user.home}, the Debian directory, HTTP. */
        public static Locator fromEnvironment(Path explicitDirOrNull) {
            return new Locator(explicitDirOrNull, System.getenv(ENV_VAR), Path.of(System.getProperty("user.home")),
                    Path.of(SYSTEM_DIR), new HttpDownloader());
        }

        /**
         * Finds all files. A directory named by the user ({@code dataDir} or {@code $SPARROW_DATA}) must hold
         * them (directly or in a {@code fashion-mnist} subdirectory): if it does not, that is an error
         * rather than a silent fall-back to other copies.
         */
        public Location locate() throws IOException {
            if (explicitDir != null) return userDir(explicitDir, "dataDir " + explicitDir);
            if (envDir != null) return userDir(Path.of(envDir), ENV_VAR + "=" + envDir);
            List<String> looked = new ArrayList<>();
            looked.add("dataDir not given");
            looked.add(ENV_VAR + " not set");
            for (Path dir : systemDir == null ? List.of(cacheDir) : List.of(cacheDir, systemDir)) {
                Map<String, Path> found = find(dir);
                if (found.size() == files.size()) return new Location(found, dir.toString());
                looked.add(dir + " (" + missingText(dir, found) + ")");
            }
            try {
                return new Location(download(), "downloaded into " + cacheDir);
            } catch (IOException | RuntimeException e) {
                throw new DatasetNotFoundException(notFoundMessage(looked, e), e);
            }
        }

        private Location userDir(Path dir, String origin) throws DatasetNotFoundException {
            Map<String, Path> found = find(dir);
            if (found.size() == files.size()) return new Location(found, origin);
            Path nested = dir.resolve("fashion-mnist");
            Map<String, Path> inNested = find(nested);
            if (inNested.size() == files.size()) return new Location(inNested, origin + "/fashion-mnist");
            throw new DatasetNotFoundException("Fashion-MNIST not found in " + origin + ": " + missingText(dir, found)
                    + ". That directory must hold " + fileList() + " (gzipped or not), downloadable from " + baseUrl
                    + "; or install the Debian package dataset-fashion-mnist and give no directory.");
        }

        /** Files present in dir, by base name; the .gz name is preferred over the plain one. */
        private Map<String, Path> find(Path dir) {
            Map<String, Path> found = new LinkedHashMap<>();
            if (!Files.isDirectory(dir)) return found;
            for (FileSpec f : files) {
                Path gz = dir.resolve(f.gzName());
                Path plain = dir.resolve(f.baseName());
                if (Files.isRegularFile(gz)) found.put(f.baseName(), gz);
                else if (Files.isRegularFile(plain)) found.put(f.baseName(), plain);
            }
            return found;
        }

        private String missingText(Path dir, Map<String, Path> found) {
            if (!Files.isDirectory(dir)) return "no such directory";
            List<String> missing = new ArrayList<>();
            for (FileSpec f : files) if (!found.containsKey(f.baseName())) missing.add(f.gzName());
            return "missing " + String.join(", ", missing);
        }

        private Map<String, Path> download() throws IOException {
            Files.createDirectories(cacheDir);
            Map<String, Path> present = find(cacheDir);
            Map<String, Path> out = new LinkedHashMap<>();
            for (FileSpec f : files) {
                Path have = present.get(f.baseName());
                out.put(f.baseName(), have != null ? have : downloadOne(f));
            }
            return out;
        }

        private Path downloadOne(FileSpec f) throws IOException {
            Path target = cacheDir.resolve(f.gzName());
            URI source = URI.create(baseUrl + f.gzName());
            Path tmp = Files.createTempFile(cacheDir, f.gzName() + ".", ".part");
            try {
                downloader.download(source, tmp);
                String actual = sha256(tmp);
                if (!actual.equals(f.sha256())) {
                    throw new IOException(source + " has SHA-256 " + actual + " but " + f.sha256() + " was expected");
                }
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
                return target;
            } finally {
                Files.deleteIfExists(tmp);
            }
        }

        private String notFoundMessage(List<String> looked, Exception cause) {
            return "Fashion-MNIST not found. Looked in: " + String.join("; ", looked) + ".\n"
                    + "Downloading from " + baseUrl + " into " + cacheDir + " failed: " + (cause.getMessage() != null ? cause.getMessage() : HttpDownloader.describe(cause)) + "\n"
                    + "To get the files, either:\n"
                    + "  - install the Debian package: sudo apt-get install dataset-fashion-mnist"
                    + " (puts them in " + SYSTEM_DIR + "), or\n"
                    + "  - download " + fileList() + " from " + baseUrl + " into a directory DIR,"
                    + " then pass it as dataDir or set " + ENV_VAR + "=DIR.";
        }

        private String fileList() {
            List<String> names = new ArrayList<>();
            for (FileSpec f : files) names.add(f.gzName());
            return String.join(", ", names);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) digest.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
