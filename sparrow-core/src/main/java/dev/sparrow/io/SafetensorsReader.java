package dev.sparrow.io;

import dev.sparrow.util.Json;
import dev.sparrow.util.JsonException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and validates safetensors files (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON, then the data buffer.
 *
 * <p>Every file is treated as hostile: the header length is bounded (at most {@value #MAX_HEADER_LENGTH}
 * bytes and at most what the file holds) before anything is allocated, the JSON is parsed with hard
 * limits, and every entry is checked (known dtype, non-negative shape whose byte size fits, offsets
 * inside the buffer and matching the shape, tensors covering the buffer without overlaps or holes,
 * string-only metadata). A bad file gives a {@link SafetensorsFormatException} naming the file, the
 * tensor or field, and what was expected.
 */
public final class SafetensorsReader {
    /** Same bound as the reference implementation: larger headers are rejected before allocation. */
    public static final long MAX_HEADER_LENGTH = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";
    private static final int MAX_JSON_DEPTH = 8; // the format needs 3: header, entry, shape

    private SafetensorsReader() {}

    /** Reads and validates the header only; no tensor data is loaded. */
    public static SafetensorsHeader readHeader(Path file) throws IOException {
        checkPath(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, ch);
        }
    }

    /** Reads the whole file: metadata and every tensor, validated. */
    public static SafetensorsFile read(Path file) throws IOException {
        checkPath(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            SafetensorsHeader header = readHeader(file, ch);
            checkFitsHeap(file, header);
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            for (TensorInfo info : header.tensors()) {
                tensors.put(info.name(), readTensor(file, ch, header, info));
            }
            return new SafetensorsFile(header.metadata(), tensors);
        }
    }

    /**
     * The tensors are read whole onto the heap: a file whose tensors together exceed what the heap has left is
     * refused before anything is read (an 8 GB file otherwise ends in OutOfMemoryError half-way), with the sizes.
     */
    private static void checkFitsHeap(Path file, SafetensorsHeader header) throws IOException {
        long total = 0;
        for (TensorInfo info : header.tensors()) total = Math.addExact(total, info.byteSize());
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (total > free) {
            throw new IOException(file + ": its tensors hold " + (total >> 20) + " MB; the heap has about "
                    + (free >> 20) + " MB free of " + (rt.maxMemory() >> 20) + " MB (raise -Xmx, e.g. in SPARROW_JAVA_OPTS)");
        }
    }

    private static void checkPath(Path file) throws IOException {
        if (file == null) throw new IllegalArgumentException("file is null");
        // a named pipe or a device would block the read or never end: refuse anything but a regular file
        if (Files.isDirectory(file)) throw new SafetensorsFormatException(file + ": is a directory (not a regular file); expected a .safetensors file");
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new SafetensorsFormatException(file + ": not a regular file (a folder, pipe or device); expected a .safetensors file");
        }
    }

    private static TensorData readTensor(Path file, FileChannel ch, SafetensorsHeader header, TensorInfo info) throws IOException {
        long size = info.byteSize();
        if (size > TensorData.MAX_BYTES) {
            throw new SafetensorsFormatException(file + ": tensor '" + info.name() + "' has " + size
                    + " bytes; this reader supports at most " + TensorData.MAX_BYTES + " per tensor");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        readFully(file, ch, buf, header.dataStart() + info.begin());
        return TensorData.owning(info.dtype(), info.shape(), buf.array());
    }

    static SafetensorsHeader readHeader(Path file, FileChannel ch) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 8) {
            throw notSafetensors(file, "file has " + fileSize + " bytes; expected at least the 8-byte header length");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, lengthBytes, 0);
        long n = lengthBytes.getLong(0);
        // n < 0 means an unsigned value of 2^63 or more.
        if (n < 0 || n > MAX_HEADER_LENGTH) {
            throw notSafetensors(file, "header length " + Long.toUnsignedString(n) + " exceeds the limit of " + MAX_HEADER_LENGTH + " bytes");
        }
        if (n > fileSize - 8) {
            throw notSafetensors(file, "header length " + n + " exceeds the " + (fileSize - 8)
                    + " bytes that follow the length field (file truncated?)");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
        readFully(file, ch, headerBytes, 8);
        headerBytes.flip();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(headerBytes).toString();
        } catch (CharacterCodingException e) {
            throw notSafetensors(file, "header is not valid UTF-8 (" + e.getMessage() + ")");
        }
        Object parsed;
        try {
            parsed = Json.parse(text, new Json.Limits((int) n, MAX_JSON_DEPTH, (int) n));
        } catch (JsonException e) {
            throw new SafetensorsFormatException(file + ": header is not valid JSON: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> root)) {
            throw fail(file, "header is a JSON " + Json.typeName(parsed) + "; expected an object");
        }
        return validate(file, root, n, fileSize - 8 - n);
    }

    private static SafetensorsHeader validate(Path file, Map<?, ?> root, long headerLength, long dataLength)
            throws SafetensorsFormatException {
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<?, ?> e : root.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals(METADATA_KEY)) {
                readMetadata(file, e.getValue(), metadata);
            } else {
                tensors.add(readEntry(file, name, e.getValue(), dataLength));
            }
        }
        tensors.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long covered = 0;
        TensorInfo previous = null;
        for (TensorInfo t : tensors) {
            if (t.begin() < covered) {
                throw fail(file, "tensor '" + t.name() + "' at bytes [" + t.begin() + ", " + t.end() + ") overlaps tensor '"
                        + previous.name() + "' at [" + previous.begin() + ", " + previous.end() + ")");
            }
            if (t.begin() > covered) {
                throw fail(file, "data bytes [" + covered + ", " + t.begin() + ") before tensor '" + t.name()
                        + "' belong to no tensor; expected tensors to cover the buffer without holes");
            }
            covered = t.end();
            previous = t;
        }
        if (covered != dataLength) {
            throw fail(file, "data bytes [" + covered + ", " + dataLength
                    + ") at the end of the file belong to no tensor; expected tensors to cover the buffer without holes");
        }
        return new SafetensorsHeader(metadata, tensors, headerLength, dataLength);
    }

    private static void readMetadata(Path file, Object value, Map<String, String> out) throws SafetensorsFormatException {
        if (value == null) return; // the reference implementation accepts null for "no metadata"
        if (!(value instanceof Map<?, ?> map)) {
            throw fail(file, METADATA_KEY + " is a JSON " + Json.typeName(value) + "; expected an object of strings");
        }
        for (Map.Entry<?, ?> m : map.entrySet()) {
            if (!(m.getValue() instanceof String s)) {
                throw fail(file, METADATA_KEY + " entry '" + m.getKey() + "' is a JSON " + Json.typeName(m.getValue())
                        + "; expected a string (safetensors metadata maps strings to strings)");
            }
            out.put((String) m.getKey(), s);
        }
    }

    private static TensorInfo readEntry(Path file, String name, Object value, long dataLength) throws SafetensorsFormatException {
        String where = "tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> entry)) {
            throw fail(file, where + " is a JSON " + Json.typeName(value) + "; expected an object with dtype, shape and data_offsets");
        }
        for (Object key : entry.keySet()) {
            if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
                throw fail(file, where + " has an unexpected field '" + key + "'; expected only dtype, shape and data_offsets");
            }
        }
        Object dtypeValue = entry.get("dtype");
        if (!(dtypeValue instanceof String dtypeName)) {
            throw fail(file, where + ": dtype is " + describe(entry, "dtype") + "; expected a string such as \"F32\"");
        }
        DType dtype = DType.fromName(dtypeName);
        if (dtype == null) {
            throw fail(file, where + ": unknown dtype " + Json.quote(dtypeName) + "; expected one of " + Arrays.toString(DType.values()));
        }
        int[] shape = readShape(file, where, entry);
        long[] offsets = readOffsets(file, where, entry);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw fail(file, where + ": data_offsets [" + begin + ", " + end + "] has begin > end");
        }
        if (end > dataLength) {
            throw fail(file, where + ": data_offsets [" + begin + ", " + end + "] ends beyond the data buffer of "
                    + dataLength + " bytes (file truncated?)");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(TensorSource.elementCount(shape), (long) dtype.byteSize());
        } catch (ArithmeticException overflow) {
            throw fail(file, where + ": shape " + Arrays.toString(shape) + " has more elements than a 64-bit count can hold");
        }
        if (end - begin != bytes) {
            throw fail(file, where + ": data_offsets [" + begin + ", " + end + "] span " + (end - begin) + " bytes but "
                    + dtype + " shape " + Arrays.toString(shape) + " needs " + bytes);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static int[] readShape(Path file, String where, Map<?, ?> entry) throws SafetensorsFormatException {
        if (!(entry.get("shape") instanceof List<?> dims)) {
            throw fail(file, where + ": shape is " + describe(entry, "shape") + "; expected an array of non-negative integers");
        }
        int[] shape = new int[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            Object d = dims.get(i);
            if (!(d instanceof Long v) || v < 0) {
                throw fail(file, where + ": shape " + Json.write(dims) + " has " + Json.write(d) + " at index " + i
                        + "; expected a non-negative integer");
            }
            if (v > Integer.MAX_VALUE) {
                throw fail(file, where + ": shape " + Json.write(dims) + " has dimension " + v + " at index " + i
                        + "; at most " + Integer.MAX_VALUE + " is supported");
            }
            shape[i] = (int) (long) v;
        }
        return shape;
    }

    private static long[] readOffsets(Path file, String where, Map<?, ?> entry) throws SafetensorsFormatException {
        Object value = entry.get("data_offsets");
        if (!(value instanceof List<?> list) || list.size() != 2
                || !(list.get(0) instanceof Long begin) || !(list.get(1) instanceof Long end) || begin < 0 || end < 0) {
            throw fail(file, where + ": data_offsets is " + describe(entry, "data_offsets")
                    + "; expected [begin, end], two non-negative integers");
        }
        return new long[] {begin, end};
    }

    private static String describe(Map<?, ?> entry, String field) {
        if (!entry.containsKey(field)) return "missing";
        String json = Json.write(entry.get(field));
        return json.length() <= 60 ? json : json.substring(0, 57) + "...";
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) throw fail(file, "file ended at byte " + pos + " while reading; was it truncated while being read?");
            pos += n;
        }
    }

    /** A file that is no safetensors file at all (e.g. text renamed .safetensors), or one cut short in its header. */
    private static SafetensorsFormatException notSafetensors(Path file, String message) {
        return fail(file, "not a safetensors file: " + message);
    }

    private static SafetensorsFormatException fail(Path file, String message) {
        return new SafetensorsFormatException(file + ": " + message);
    }
}
