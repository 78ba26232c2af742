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
 * applied to raw inputs (pixels in [0, 1], or the features as read) before the first layer.
 * Training writes it into the checkpoint metadata as JSON under {@value Checkpoint#SPEC_KEY}.
 *
 * @param architecture model zoo name
 * @param sampleShape  shape of one sample, e.g. {1, 28, 28} or {features}
 * @param classNames   one name per output, in output order
 * @param mean         subtracted from every raw input value
 * @param std          every centred value is divided by it; positive
 */
public record ModelSpec(String architecture, int[] sampleShape, List<String> classNames, float mean, float std) {
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
        if (!Float.isFinite(mean)) throw new IllegalArgumentException("model spec: mean is " + mean + "; expected a finite number");
        if (!(std > 0) || !Float.isFinite(std)) throw new IllegalArgumentException("model spec: std is " + std + "; expected a positive number");
        sampleShape = sampleShape.clone();
        classNames = List.copyOf(classNames);
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
        norm.put("mean", (double) mean);
        norm.put("std", (double) std);
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
        float mean = number(norm.get("mean"), "normalization.mean", where);
        float std = number(norm.get("std"), "normalization.std", where);
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

    private static IllegalArgumentException field(String where, String key, String expected) {
        return new IllegalArgumentException(where + ": model spec '" + key + "' is missing or not " + expected);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec s && architecture.equals(s.architecture) && Arrays.equals(sampleShape, s.sampleShape)
                && classNames.equals(s.classNames) && Float.compare(mean, s.mean) == 0 && Float.compare(std, s.std) == 0;
    }

    @Override
    public int hashCode() {
        return (architecture.hashCode() * 31 + Arrays.hashCode(sampleShape)) * 31 + classNames.hashCode();
    }

    @Override
    public String toString() {
        return architecture + " " + Arrays.toString(sampleShape) + " -> " + classNames.size() + " classes, normalised (x - "
                + mean + ") / " + std;
    }
}
