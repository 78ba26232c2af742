package dev.sparrow.io;

import dev.sparrow.util.Json;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a saved model is, so that it can be rebuilt and fed without anything else: the architecture
 * (a model zoo name such as "mlp" or "cnn-kwta0.1"), the shape of one sample (batch excluded), the
 * class names (their count is the model's output size) and the normalisation {@code (x - mean) / std}
 * applied to raw inputs (pixels in [0, 1], or the features as read) before the first layer: one mean and std
 * for every value (images), one per channel (the first dimension of a 3-D sample), or one per feature value
 * (feature data: CSV columns, .npy rows). JSON writes one figure as a number, as checkpoints always had it.
 * Training writes it into the checkpoint metadata as JSON under {@value Checkpoint#SPEC_KEY}.
 *
 * @param architecture model zoo name
 * @param sampleShape  shape of one sample, e.g. {1, 28, 28} or {features}
 * @param classNames   one name per output, in output order
 * @param mean         subtracted from the raw input values: 1, channels or {@link #sampleSize()} values
 * @param std          divides the centred values, laid out as {@code mean}; positive
 */
public record ModelSpec(String architecture, int[] sampleShape, List<String> classNames, float[] mean, float[] std) {
    /** Fashion-MNIST's class names, the defaults of a checkpoint written before model specs existed. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** Fashion-MNIST's pixel mean over the training set. */
    public static final float FASHION_MNIST_MEAN = 0.2860f;
    /** Fashion-MNIST's pixel standard deviation over the training set. */
    public static final float FASHION_MNIST_STD = 0.3530f;

    /** Checks every field; the arrays are copied. */
    public ModelSpec {
        if (architecture == null || architecture.isBlank()) throw new IllegalArgumentException("model spec: architecture is blank");
        if (sampleShape == null || sampleShape.length == 0) throw new IllegalArgumentException("model spec: sampleShape is empty");
        for (int d : sampleShape) {
            if (d < 1) throw new IllegalArgumentException("model spec: sampleShape " + Arrays.toString(sampleShape) + " has a dimension < 1");
        }
        if (classNames == null || classNames.isEmpty()) throw new IllegalArgumentException("model spec: classNames is empty");
        for (String n : classNames) {
            if (n == null) throw new IllegalArgumentException("model spec: classNames contains null");
        }
        if (mean == null || std == null) throw new IllegalArgumentException("model spec: mean and std must not be null");
        int size = 1;
        for (int d : sampleShape) size *= d;
        int channels = sampleShape.length == 3 ? sampleShape[0] : 1;
        if (mean.length != std.length || (mean.length != 1 && mean.length != channels && mean.length != size)) {
            throw new IllegalArgumentException("model spec: mean has " + mean.length + " values and std " + std.length
                    + "; expected 1, " + (channels > 1 ? channels + " (channels), " : "") + size + " (one per value) each");
        }
        for (float m : mean) {
            if (!Float.isFinite(m)) throw new IllegalArgumentException("model spec: mean is " + m + "; expected a finite number");
        }
        for (float d : std) {
            if (!(d > 0) || !Float.isFinite(d)) throw new IllegalArgumentException("model spec: std is " + d + "; expected a positive number");
        }
        sampleShape = sampleShape.clone();
        classNames = List.copyOf(classNames);
        mean = mean.clone();
        std = std.clone();
    }

    /** One mean and std for every input value. */
    public ModelSpec(String architecture, int[] sampleShape, List<String> classNames, float mean, float std) {
        this(architecture, sampleShape, classNames, new float[] {mean}, new float[] {std});
    }

    /** A copy of the normalisation mean: 1, channels or {@link #sampleSize()} values. */
    @Override
    public float[] mean() { return mean.clone(); }

    /** A copy of the normalisation std, laid out as {@link #mean()}. */
    @Override
    public float[] std() { return std.clone(); }

    /**
     * Normalises raw samples in place: {@code x[i] = (x[i] - mean) / std} with the mean and std of value i.
     *
     * @param x      raw values of whole samples, {@link #sampleSize()} each
     * @param offset where the first sample starts
     * @param count  how many values, a multiple of {@link #sampleSize()}
     */
    public void normalize(float[] x, int offset, int count) {
        int size = sampleSize();
        if (count % size != 0) throw new IllegalArgumentException("count " + count + " is not a multiple of the sample size " + size);
        int plane = size / mean.length; // values per mean: size (one for all), a channel's plane, or 1 (per feature)
        for (int i = 0; i < count; i++) {
            int k = (i % size) / plane;
            x[offset + i] = (x[offset + i] - mean[k]) / std[k];
        }
    }

    /** The spec an old checkpoint of {@code architecture} gets: Fashion-MNIST's shape, classes and normalisation. */
    public static ModelSpec fashionMnist(String architecture) {
        return new ModelSpec(architecture, new int[] {1, 28, 28}, FASHION_MNIST_CLASSES, FASHION_MNIST_MEAN, FASHION_MNIST_STD);
    }

    /** Class names "0", "1", ... for data sets whose classes have no names. */
    public static List<String> numberedClasses(int classes) {
        if (classes < 1) throw new IllegalArgumentException("classes must be >= 1, got " + classes);
        List<String> names = new ArrayList<>(classes);
        for (int i = 0; i < classes; i++) names.add(Integer.toString(i));
        return names;
    }

    /** A copy of the shape of one sample. */
    @Override
    public int[] sampleShape() { return sampleShape.clone(); }

    /** The model's output size. */
    public int classes() { return classNames.size(); }

    /** Values per sample: the product of {@link #sampleShape()}. */
    public int sampleSize() {
        int n = 1;
        for (int d : sampleShape) n *= d;
        return n;
    }

    /** The JSON object written into checkpoints and run summaries. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architecture", architecture);
        List<Object> shape = new ArrayList<>();
        for (int d : sampleShape) shape.add(d);
        m.put("sample_shape", shape);
        m.put("classes", classNames.size());
        m.put("class_names", new ArrayList<Object>(classNames));
        Map<String, Object> norm = new LinkedHashMap<>();
        norm.put("mean", jsonValues(mean));
        norm.put("std", jsonValues(std));
        m.put("normalization", norm);
        return m;
    }

    /** The JSON text written into checkpoints. */
    public String toJsonText() { return Json.write(toJson()); }

    /**
     * Reads what {@link #toJsonText()} wrote; a problem names the field and what was expected.
     *
     * @param json  the text
     * @param where what the text came from (a file name), for messages
     * @return the validated spec
     */
    public static ModelSpec parse(String json, String where) {
        Map<String, Object> m;
        try {
            m = Json.parseObject(json, Json.Limits.of(1 << 20));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": model spec is not a JSON object: " + e.getMessage(), e);
        }
        String architecture = string(m, "architecture", where);
        List<?> shapeList = list(m, "sample_shape", where);
        int[] shape = new int[shapeList.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = integer(shapeList.get(i), "sample_shape[" + i + "]", where);
        List<?> namesList = list(m, "class_names", where);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < namesList.size(); i++) {
            if (!(namesList.get(i) instanceof String s)) throw field(where, "class_names[" + i + "]", "a string");
            names.add(s);
        }
        int classes = integer(m.get("classes"), "classes", where);
        if (classes != names.size()) {
            throw new IllegalArgumentException(where + ": model spec 'classes' is " + classes + " but 'class_names' has "
                    + names.size() + " names");
        }
        if (!(m.get("normalization") instanceof Map<?, ?> norm)) throw field(where, "normalization", "an object {mean, std}");
        float[] mean = numbers(norm.get("mean"), "normalization.mean", where);
        float[] std = numbers(norm.get("std"), "normalization.std", where);
        try {
            return new ModelSpec(architecture, shape, names, mean, std);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static String string(Map<String, Object> m, String key, String where) {
        if (!(m.get(key) instanceof String s)) throw field(where, key, "a string");
        return s;
    }

    private static List<?> list(Map<String, Object> m, String key, String where) {
        if (!(m.get(key) instanceof List<?> l)) throw field(where, key, "an array");
        return l;
    }

    private static int integer(Object v, String key, String where) {
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
                || n.doubleValue() < Integer.MIN_VALUE || n.doubleValue() > Integer.MAX_VALUE) {
            throw field(where, key, "an integer");
        }
        return n.intValue();
    }

    private static float number(Object v, String key, String where) {
        if (!(v instanceof Number n)) throw field(where, key, "a number");
        return n.floatValue();
    }

    /** A number (one for all values, as every checkpoint before per-feature normalisation) or an array of numbers. */
    private static float[] numbers(Object v, String key, String where) {
        if (v instanceof Number n) return new float[] {n.floatValue()};
        if (!(v instanceof List<?> l) || l.isEmpty()) throw field(where, key, "a number or an array of numbers");
        float[] out = new float[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = number(l.get(i), key + "[" + i + "]", where);
        return out;
    }

    /** One value as a number (the format of older checkpoints), several as an array. */
    private static Object jsonValues(float[] values) {
        if (values.length == 1) return (double) values[0];
        List<Object> out = new ArrayList<>(values.length);
        for (float f : values) out.add((double) f);
        return out;
    }

    private static IllegalArgumentException field(String where, String key, String expected) {
        return new IllegalArgumentException(where + ": model spec '" + key + "' is missing or not " + expected);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec s && architecture.equals(s.architecture) && Arrays.equals(sampleShape, s.sampleShape)
                && classNames.equals(s.classNames) && Arrays.equals(mean, s.mean) && Arrays.equals(std, s.std);
    }

    @Override
    public int hashCode() {
        return (architecture.hashCode() * 31 + Arrays.hashCode(sampleShape)) * 31 + classNames.hashCode();
    }

    @Override
    public String toString() {
        String norm = mean.length == 1 ? "(x - " + mean[0] + ") / " + std[0] : "per " + (mean.length == sampleSize() ? "feature" : "channel")
                + " (" + mean.length + " means and stds)";
        return architecture + " " + Arrays.toString(sampleShape) + " -> " + classNames.size() + " classes, normalised " + norm;
    }
}
