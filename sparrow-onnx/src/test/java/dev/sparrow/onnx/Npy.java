package dev.sparrow.onnx;

import dev.sparrow.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads little-endian float32 C-order .npy files (the fixtures' inputs and outputs), header parsing bounded. */
final class Npy {
    private static final int MAX_HEADER = 1 << 16;
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([0-9,\\s]*)\\)");

    private Npy() {}

    static Tensor read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10 || bytes[0] != (byte) 0x93 || !new String(bytes, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException(file + ": not a .npy file");
        }
        int major = bytes[6];
        long headerLength = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : Integer.toUnsignedLong(b.getInt(8));
        int start = major == 1 ? 10 : 12;
        if (headerLength > MAX_HEADER || start + headerLength > bytes.length) throw new IOException(file + ": bad header length " + headerLength);
        String header = new String(bytes, start, (int) headerLength, StandardCharsets.ISO_8859_1);
        if (!header.contains("'descr': '<f4'") || !header.contains("'fortran_order': False")) {
            throw new IOException(file + ": expected little-endian float32 in C order, header " + header.trim());
        }
        Matcher m = SHAPE.matcher(header);
        if (!m.find()) throw new IOException(file + ": no shape in header " + header.trim());
        String[] parts = m.group(1).split(",");
        int[] shape = java.util.Arrays.stream(parts).map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
        int count = Tensor.checkedSize(shape);
        int dataStart = start + (int) headerLength;
        if ((long) count * 4 != bytes.length - dataStart) throw new IOException(file + ": shape " + m.group(1) + " does not match the data size");
        float[] data = new float[count];
        b.position(dataStart);
        b.asFloatBuffer().get(data);
        return Tensor.wrap(data, shape);
    }
}
