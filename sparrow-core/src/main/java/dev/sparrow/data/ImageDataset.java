package dev.sparrow.data;


/**
 * Labelled images held in memory as unsigned bytes (4x smaller than floats; Fashion-MNIST's training
 * set is 47 MB). A pixel's value in [0, 1] is {@code byte / 255}. Immutable once built.
 */
public final class ImageDataset implements Dataset {
    private final String name;
    private final byte[] pixels; // (size, channels, height, width)
    private final int[] labels;  // (size,) in [0, classes)
    private final int size;
    private final int channels;
    private final int height;
    private final int width;
    private final int classes;
    private final java.util.List<String> classNames; // null: numbered

    private ImageDataset(String name, byte[] pixels, int[] labels, int channels, int height, int width, int classes) {
        this(name, pixels, labels, channels, height, width, classes, null);
    }

    private ImageDataset(String name, byte[] pixels, int[] labels, int channels, int height, int width, int classes,
                         java.util.List<String> classNames) {
        this.classNames = classNames == null ? null : java.util.List.copyOf(classNames);
        this.name = name;
        this.pixels = pixels;
        this.labels = labels;
        this.size = labels.length;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.classes = classes;
    }

    /**
     * A dataset over {@code pixels} laid out (n, channels, height, width) and {@code labels} of
     * length n. The arrays are not copied: the caller hands them over.
     */
    public static ImageDataset of(String name, byte[] pixels, int[] labels, int channels, int height, int width, int classes) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("name must not be blank");
        if (pixels == null) throw new IllegalArgumentException(name + ": pixels must not be null");
        if (labels == null) throw new IllegalArgumentException(name + ": labels must not be null");
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException(name + ": sample shape " + channels + " x " + height + " x " + width
                    + " must be positive");
        }
        if (classes < 1) throw new IllegalArgumentException(name + ": classes must be >= 1, got " + classes);
        long sampleSize = (long) channels * height * width;
        if ((long) labels.length * sampleSize != pixels.length) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels of " + channels + " x " + height
                    + " x " + width + " samples need " + labels.length * sampleSize + " pixels, got " + pixels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of sample " + i
                        + " is outside [0, " + classes + ")");
            }
        }
        return new ImageDataset(name, pixels, labels, channels, height, width, classes);
    }

    /**
     * The same images with names for the classes.
     *
     * @param names one name per class
     * @return a dataset sharing this one's pixels
     */
    public ImageDataset withClassNames(java.util.List<String> names) {
        if (names == null || names.size() != classes) {
            throw new IllegalArgumentException(name + ": " + (names == null ? "no" : names.size()) + " class names for "
                    + classes + " classes");
        }
        return new ImageDataset(name, pixels, labels, channels, height, width, classes, names);
    }

    @Override
    public java.util.List<String> classNames() {
        return classNames != null ? classNames : Dataset.super.classNames();
    }

    /** The images at {@code indices} (pixels copied), still images, so augmentation applies to them. */
    @Override
    public ImageDataset subset(String name, int[] indices) {
        int s = sampleSize();
        byte[] px = new byte[indices.length * s];
        int[] lb = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(pixels, indices[i] * s, px, i * s, s);
            lb[i] = labels[indices[i]];
        }
        return new ImageDataset(name, px, lb, channels, height, width, classes, classNames);
    }

    @Override
    public String name() { return name; }

    @Override
    public int size() { return size; }

    public int channels() { return channels; }

    public int height() { return height; }

    public int width() { return width; }

    /** (channels, height, width) of one sample. */
    @Override
    public int[] sampleShape() { return new int[] {channels, height, width}; }

    /** channels * height * width. */
    @Override
    public int sampleSize() { return channels * height * width; }

    @Override
    public int classes() { return classes; }

    @Override
    public int label(int sample) { return labels[sample]; }

    /** Pixels of {@code example} scaled to [0, 1], CHW order. */
    @Override
    public void copyExample(int example, float[] dst, int offset) {
        int s = sampleSize();
        for (int i = 0; i < s; i++) dst[offset + i] = (pixels[example * s + i] & 0xff) / 255f;
    }

    /** Pixel {@code offset} (within the sample, CHW order) of sample {@code sample}, scaled to [0, 1]. */
    public float pixel(int sample, int offset) {
        return (pixels[sample * sampleSize() + offset] & 0xff) / 255f;
    }

    /** Raw 0..255 pixel, without scaling. */
    public int rawPixel(int sample, int offset) {
        return pixels[sample * sampleSize() + offset] & 0xff;
    }

    /** The backing pixel bytes (not a copy), for loaders: (size, channels, height, width). */
    byte[] pixelBytes() { return pixels; }

    @Override
    public String toString() {
        return name + "[" + size + " x " + channels + " x " + height + " x " + width + ", " + classes + " classes]";
    }
}
