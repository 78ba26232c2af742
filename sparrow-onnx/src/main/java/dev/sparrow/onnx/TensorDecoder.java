package dev.sparrow.onnx;

import dev.sparrow.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.sparrow.onnx.proto.OnnxProto.TensorProto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns TensorProtos (initializers, Constant values) into {@link ConstTensor}s: data in raw_data, the typed
 * repeated fields, or an external file beside the model. Sizes are checked against the data actually present
 * and charged to the {@link LoadBudget} before anything is allocated.
 */
final class TensorDecoder {
    private final Path modelFolder;
    private final LoadBudget budget;
    private final Map<Path, Long> externalSizes = new HashMap<>();

    TensorDecoder(Path modelFolder, LoadBudget budget) {
        this.modelFolder = modelFolder;
        this.budget = budget;
    }

    ConstTensor decode(TensorProto t) {
        String what = "tensor '" + t.getName() + "'";
        int[] shape = shape(t, what);
        long count = 1;
        for (int d : shape) count *= d; // each dim < 2^31 and the product checked below as it grows
        int type = t.getDataType();
        int width = switch (type) {
            case 1, 6 -> 4;           // FLOAT, INT32
            case 7, 11 -> 8;          // INT64, DOUBLE
            case 2, 3, 9 -> 1;        // UINT8, INT8, BOOL
            default -> throw new ImportProblem(what + " has data type " + type
                    + "; expected FLOAT (1), DOUBLE (11), INT64 (7), INT32 (6), INT8 (3), UINT8 (2) or BOOL (9)");
        };
        boolean floating = type == 1 || type == 11;
        budget.charge(count, floating ? 4 : 8, what);
        int n = (int) count;
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            return fromBytes(shape, type, external(t, what, count * width), n);
        }
        if (t.hasRawData()) {
            if (t.getRawData().size() != count * width) {
                throw new ImportProblem(what + " " + java.util.Arrays.toString(shape) + " needs " + count * width
                        + " bytes of raw_data, has " + t.getRawData().size());
            }
            return fromBytes(shape, type, t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN), n);
        }
        int present = switch (type) {
            case 1 -> t.getFloatDataCount();
            case 7 -> t.getInt64DataCount();
            case 11 -> t.getDoubleDataCount();
            default -> t.getInt32DataCount(); // INT32, INT8, UINT8 and BOOL travel in int32_data
        };
        if (present != count) {
            throw new ImportProblem(what + " " + java.util.Arrays.toString(shape) + " needs " + count
                    + " elements, has " + present);
        }
        return switch (type) {
            case 1 -> { float[] f = new float[n]; for (int i = 0; i < n; i++) f[i] = t.getFloatData(i); yield ConstTensor.ofFloats(shape, f); }
            case 11 -> { float[] f = new float[n]; for (int i = 0; i < n; i++) f[i] = (float) t.getDoubleData(i); yield ConstTensor.ofFloats(shape, f); }
            case 7 -> { long[] l = new long[n]; for (int i = 0; i < n; i++) l[i] = t.getInt64Data(i); yield ConstTensor.ofLongs(shape, l); }
            default -> { long[] l = new long[n]; for (int i = 0; i < n; i++) l[i] = t.getInt32Data(i); yield ConstTensor.ofLongs(shape, l); }
        };
    }

    private static int[] shape(TensorProto t, String what) {
        if (t.getDimsCount() > 32) throw new ImportProblem(what + " has " + t.getDimsCount() + " dims; expected at most 32");
        int[] shape = new int[t.getDimsCount()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = t.getDims(i);
            if (d < 0 || d > Integer.MAX_VALUE - 16) {
                throw new ImportProblem(what + " has dim " + d + "; expected 0 <= dim < 2^31");
            }
            shape[i] = (int) d;
            count *= d;
            if (count > Integer.MAX_VALUE - 16) {
                throw new ImportProblem(what + " dims " + t.getDimsList() + " have more elements than an array holds");
            }
        }
        return shape;
    }

    private static ConstTensor fromBytes(int[] shape, int type, ByteBuffer b, int n) {
        switch (type) {
            case 1 -> { float[] f = new float[n]; b.asFloatBuffer().get(f); return ConstTensor.ofFloats(shape, f); }
            case 11 -> { float[] f = new float[n]; for (int i = 0; i < n; i++) f[i] = (float) b.getDouble(i * 8); return ConstTensor.ofFloats(shape, f); }
            case 7 -> { long[] l = new long[n]; b.asLongBuffer().get(l); return ConstTensor.ofLongs(shape, l); }
            case 6 -> { long[] l = new long[n]; for (int i = 0; i < n; i++) l[i] = b.getInt(i * 4); return ConstTensor.ofLongs(shape, l); }
            case 2 -> { long[] l = new long[n]; for (int i = 0; i < n; i++) l[i] = b.get(i) & 0xff; return ConstTensor.ofLongs(shape, l); }
            default -> { long[] l = new long[n]; for (int i = 0; i < n; i++) l[i] = b.get(i); return ConstTensor.ofLongs(shape, l); }
        }
    }

    /** The bytes of an external tensor: location inside the model's folder, offset and length within the file. */
    private ByteBuffer external(TensorProto t, String what, long needed) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = parseLong(e.getValue(), what + " external offset");
                case "length" -> length = parseLong(e.getValue(), what + " external length");
                default -> { } // checksum and others: not needed to read the data
            }
        }
        if (location == null || location.isEmpty()) throw new ImportProblem(what + " is external but names no location");
        if (modelFolder == null) throw new ImportProblem(what + " is external, but the model was not read from a file");
        Path file;
        try {
            file = modelFolder.resolve(location).normalize();
        } catch (RuntimeException e) { // InvalidPathException: a location no file system accepts
            throw new ImportProblem(what + " has external location '" + location + "', not a valid path");
        }
        if (!file.startsWith(modelFolder) || file.equals(modelFolder)) {
            throw new ImportProblem(what + " has external location '" + location + "' outside the model's folder " + modelFolder);
        }
        if (!Files.isRegularFile(file)) {
            throw new ImportProblem(what + " needs the external data file " + file + ", which does not exist");
        }
        try {
            if (!file.toRealPath().startsWith(modelFolder.toRealPath())) {
                throw new ImportProblem(what + " has external location '" + location + "' linking outside the model's folder");
            }
            Long size = externalSizes.get(file);
            if (size == null) {
                size = Files.size(file);
                externalSizes.put(file, size);
                budget.addSource(size);
            }
            if (length >= 0 && length != needed) {
                throw new ImportProblem(what + " declares " + length + " external bytes but its shape needs " + needed);
            }
            if (offset < 0 || offset > size || needed > size - offset) {
                throw new ImportProblem(what + " needs bytes " + offset + ".." + (offset + needed) + " of "
                        + file.getFileName() + ", which has " + size);
            }
            ByteBuffer b = ByteBuffer.allocate((int) needed).order(ByteOrder.LITTLE_ENDIAN);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                while (b.hasRemaining()) {
                    if (ch.read(b, offset + b.position()) < 0) throw new ImportProblem(what + ": " + file + " ended early");
                }
            }
            return b.flip();
        } catch (IOException e) {
            throw new ImportProblem(what + ": cannot read " + file + " (" + e + ")");
        }
    }

    private static long parseLong(String s, String what) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new ImportProblem(what + " '" + s + "' is not a number");
        }
    }
}
