package dev.sparrow.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A NumPy {@code .npy} array (format versions 1 to 3, C order) read as floats, and a pair of them
 * (features, labels) as a data set. Features may be float32, float64, uint8, int32 or int64; labels
 * int32, int64 or uint8 (or integral floats). Anything else is an error naming the file and the dtype.
 *
 * @param file  where it came from, for messages
 * @param shape the array's shape
 * @param data  its values, C order
 */
public record NpyArray(Path file, int[] shape, double[] data) {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final List<String> DTYPES = List.of("<f4", "<f8", "|u1", "<i4", "<i8", "|i1", "<i2", "<u2");

    /**
     * Reads {@code file}.
     *
     * @param file a .npy file
     * @return its shape and values
     * @throws IOException when it cannot be read
     */
    public static NpyArray read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": " + (Files.isDirectory(file) ? "is a directory" : "no such file"));
        }
        byte[] all = Files.readAllBytes(file);
        if (all.length < 10 || !Arrays.equals(Arrays.copyOf(all, 6), MAGIC)) {
            throw new IllegalArgumentException(file + ": not a NumPy .npy file (no \\x93NUMPY magic)");
        }
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int major = all[6];
        int headerLength;
        int start;
        if (major == 1) {
            headerLength = b.getShort(8) & 0xffff;
            start = 10;
        } else if (major == 2 || major == 3) {
            headerLength = b.getInt(8);
            start = 12;
        } else {
            throw new IllegalArgumentException(file + ": .npy format version " + major + " is not supported; expected 1, 2 or 3");
        }
        if (headerLength < 0 || start + headerLength > all.length) throw new IllegalArgumentException(file + ": truncated .npy header");
        String header = new String(all, start, headerLength, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(file, DESCR, header, "descr");
        if (!DTYPES.contains(descr)) {
            throw new IllegalArgumentException(file + ": dtype '" + descr + "' is not supported; expected one of " + DTYPES
                    + " (little-endian)");
        }
        if ("True".equals(group(file, FORTRAN, header, "fortran_order"))) {
            throw new IllegalArgumentException(file + ": Fortran-order arrays are not supported; save with np.ascontiguousarray");
        }
        String dims = group(file, SHAPE, header, "shape").trim();
        int[] shape = dims.isEmpty() ? new int[0] : Arrays.stream(dims.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .mapToInt(Integer::parseInt).toArray();
        long count = 1;
        for (int d : shape) count *= d;
        int width = Integer.parseInt(descr.substring(2));
        int offset = start + headerLength;
        if (count > Integer.MAX_VALUE || offset + count * width != all.length) {
            throw new IllegalArgumentException(file + ": shape " + Arrays.toString(shape) + " of " + descr + " needs "
                    + count * width + " data bytes, the file has " + (all.length - offset));
        }
        double[] data = new double[(int) count];
        b.position(offset);
        for (int i = 0; i < data.length; i++) {
            data[i] = switch (descr) {
                case "<f4" -> b.getFloat();
                case "<f8" -> b.getDouble();
                case "|u1" -> b.get() & 0xff;
                case "|i1" -> b.get();
                case "<i2" -> b.getShort();
                case "<u2" -> b.getShort() & 0xffff;
                case "<i4" -> b.getInt();
                default -> b.getLong();
            };
        }
        return new NpyArray(file, shape, data);
    }

    private static String group(Path file, Pattern p, String header, String key) {
        Matcher m = p.matcher(header);
        if (!m.find()) throw new IllegalArgumentException(file + ": .npy header has no '" + key + "'");
        return m.group(1);
    }

    /**
     * Features and labels as a data set: features (n, ...) and labels (n); a sample of rank 1 is a
     * feature vector, rank 2 a grayscale image (1, h, w), rank 3 (c, h, w).
     *
     * @param features   the features file
     * @param labels     the labels file
     * @param classNames the classes, or null for "0" .. max label
     * @return the data set
     * @throws IOException when a file cannot be read
     */
    public static FloatDataset dataset(Path features, Path labels, List<String> classNames) throws IOException {
        NpyArray x = read(features);
        NpyArray y = read(labels);
        if (x.shape.length < 2) {
            throw new IllegalArgumentException(features + ": shape " + Arrays.toString(x.shape) + "; expected (examples, features...)");
        }
        if (y.shape.length != 1 || y.shape[0] != x.shape[0]) {
            throw new IllegalArgumentException(labels + ": shape " + Arrays.toString(y.shape) + " does not match the "
                    + x.shape[0] + " examples of " + features + "; expected (" + x.shape[0] + ",)");
        }
        int[] lab = new int[y.data.length];
        int max = 0;
        for (int i = 0; i < lab.length; i++) {
            double v = y.data[i];
            if (v != Math.rint(v) || v < 0 || v > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(labels + ": label " + v + " at index " + i + " is not a class index (an integer >= 0)");
            }
            lab[i] = (int) v;
            max = Math.max(max, lab[i]);
        }
        List<String> names = classNames != null ? classNames : numbered(max + 1);
        for (int i = 0; i < lab.length; i++) {
            if (lab[i] >= names.size()) {
                throw new IllegalArgumentException(labels + ": label " + lab[i] + " at index " + i + " is outside the "
                        + names.size() + " classes [0, " + names.size() + ")");
            }
        }
        int[] sample = Arrays.copyOfRange(x.shape, 1, x.shape.length);
        if (sample.length == 2) sample = new int[] {1, sample[0], sample[1]};
        float[] f = new float[x.data.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) x.data[i];
        return FloatDataset.of(features.getFileName().toString(), f, lab, sample, names);
    }

    /** Each row (first axis) of {@code file} as floats, for prediction. */
    public static List<float[]> rows(Path file) throws IOException {
        NpyArray a = read(file);
        int n = a.shape.length == 0 ? 1 : a.shape[0];
        int s = n == 0 ? 0 : a.data.length / n;
        if (a.shape.length == 1) {
            n = 1;
            s = a.data.length;
        }
        java.util.List<float[]> out = new java.util.ArrayList<>();
        for (int r = 0; r < n; r++) {
            float[] v = new float[s];
            for (int i = 0; i < s; i++) v[i] = (float) a.data[r * s + i];
            out.add(v);
        }
        return out;
    }

    private static List<String> numbered(int n) {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) names.add(Integer.toString(i));
        return names;
    }
}
