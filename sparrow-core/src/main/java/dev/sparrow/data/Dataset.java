package dev.sparrow.data;

/**
 * Labelled examples for a {@link DataLoader}: n examples of one feature shape, each with a label in
 * [0, {@link #classes()}). Images ({@link ImageDataset}) are one kind; anything that can copy an
 * example's features into a float buffer fits.
 */
public interface Dataset {

    /** Images from bytes; see {@link ImageDataset#of}. */
    static ImageDataset of(String name, byte[] pixels, int[] labels, int channels, int height, int width, int classes) {
        return ImageDataset.of(name, pixels, labels, channels, height, width, classes);
    }

    String name();

    /** Number of examples. */
    int size();

    /** The shape of one example's features, e.g. (channels, height, width). */
    int[] sampleShape();

    /** Features per example: the product of {@link #sampleShape()}. */
    default int sampleSize() {
        int n = 1;
        for (int d : sampleShape()) n *= d;
        return n;
    }

    /** Number of label values. */
    int classes();

    /** The label of {@code example}, in [0, classes). */
    int label(int example);

    /** Writes the features of {@code example} to {@code dst} from {@code offset} ({@link #sampleSize()} floats). */
    void copyExample(int example, float[] dst, int offset);

    /**
     * One name per label value, in label order: folder names, CSV label values, or "0", "1", ... when
     * the data has none.
     *
     * @return {@link #classes()} names
     */
    default java.util.List<String> classNames() {
        java.util.List<String> names = new java.util.ArrayList<>(classes());
        for (int i = 0; i < classes(); i++) names.add(Integer.toString(i));
        return names;
    }

    /**
     * The examples at {@code indices}, in that order, as a new data set of the same kind.
     *
     * @param name    the new set's name
     * @param indices example indices of this set
     * @return the subset
     */
    default Dataset subset(String name, int[] indices) {
        return FloatDataset.copyOf(this, name, indices);
    }

    /** Examples per class, for summaries and checks. */
    default int[] classCounts() {
        int[] counts = new int[classes()];
        for (int i = 0; i < size(); i++) counts[label(i)]++;
        return counts;
    }
}
