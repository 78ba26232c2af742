package dev.sparrow.data;

import java.util.Arrays;
import java.util.List;

/**
 * Labelled examples held in memory as floats, (n, sample shape...) row-major: what CSV and NumPy files
 * become. Values are kept as read; the loader normalises them. Immutable once built.
 */
public final class FloatDataset implements Dataset {
    private final String name;
    private final float[] features;
    private final int[] labels;
    private final int[] sampleShape;
    private final int sampleSize;
    private final List<String> classNames;

    private FloatDataset(String name, float[] features, int[] labels, int[] sampleShape, List<String> classNames) {
        this.name = name;
        this.features = features;
        this.labels = labels;
        this.sampleShape = sampleShape.clone();
        int n = 1;
        for (int d : sampleShape) n *= d;
        this.sampleSize = n;
        this.classNames = List.copyOf(classNames);
    }

    /**
     * A dataset over {@code features} ((n, sample shape...), not copied: the caller hands it over) and
     * {@code labels} (n values in [0, classNames.size())).
     *
     * @param name        for messages
     * @param features    n * product(sampleShape) values
     * @param labels      one label per example
     * @param sampleShape the shape of one example, e.g. {features} or {channels, height, width}
     * @param classNames  one name per class
     * @return the dataset
     */
    public static FloatDataset of(String name, float[] features, int[] labels, int[] sampleShape, List<String> classNames) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("name must not be blank");
        if (features == null || labels == null) throw new IllegalArgumentException(name + ": features and labels must not be null");
        if (sampleShape == null || sampleShape.length == 0) throw new IllegalArgumentException(name + ": sampleShape is empty");
        long size = 1;
        for (int d : sampleShape) {
            if (d < 1) throw new IllegalArgumentException(name + ": sample shape " + Arrays.toString(sampleShape) + " has a dimension < 1");
            size *= d;
        }
        if (classNames == null || classNames.isEmpty()) throw new IllegalArgumentException(name + ": no classes");
        if ((long) labels.length * size != features.length) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels of " + Arrays.toString(sampleShape)
                    + " samples need " + labels.length * size + " values, got " + features.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of example " + i + " is outside [0, "
                        + classNames.size() + ")");
            }
        }
        return new FloatDataset(name, features, labels, sampleShape, classNames);
    }

    /** A copy of {@code source}'s examples at {@code indices}, for data sets without their own subset. */
    static FloatDataset copyOf(Dataset source, String name, int[] indices) {
        int s = source.sampleSize();
        float[] f = new float[indices.length * s];
        int[] l = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            source.copyExample(indices[i], f, i * s);
            l[i] = source.label(indices[i]);
        }
        return new FloatDataset(name, f, l, source.sampleShape(), source.classNames());
    }

    @Override
    public String name() { return name; }

    @Override
    public int size() { return labels.length; }

    @Override
    public int[] sampleShape() { return sampleShape.clone(); }

    @Override
    public int sampleSize() { return sampleSize; }

    @Override
    public int classes() { return classNames.size(); }

    @Override
    public List<String> classNames() { return classNames; }

    @Override
    public int label(int example) { return labels[example]; }

    @Override
    public void copyExample(int example, float[] dst, int offset) {
        System.arraycopy(features, example * sampleSize, dst, offset, sampleSize);
    }

    @Override
    public FloatDataset subset(String name, int[] indices) { return copyOf(this, name, indices); }

    @Override
    public String toString() {
        return name + "[" + size() + " x " + Arrays.toString(sampleShape) + ", " + classes() + " classes]";
    }
}
