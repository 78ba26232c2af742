package dev.sparrow.onnx;

import dev.sparrow.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Writes a tensor as a NumPy .npy file (version 1.0, little-endian float32, C order), atomically. */
public final class NpyWriter {
    private NpyWriter() {}

    public static void write(Path file, Tensor t) throws IOException {
        int[] dims = t.shape();
        String shape = dims.length == 1 ? "(" + dims[0] + ",)"
                : "(" + String.join(", ", java.util.Arrays.stream(dims).mapToObj(Integer::toString).toList()) + ")";
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = 10 + dict.length() + 1; // magic, version, length, dict, newline
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        byte[] h = header.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(10 + h.length + t.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) h.length).put(h);
        b.asFloatBuffer().put(t.data());
        byte[] bytes = b.array();
        OnnxExporter.writeAtomically(file, out -> out.write(bytes));
    }
}
