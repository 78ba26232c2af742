package dev.sparrow.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files (the MNIST format, http://yann.lecun.com/exdb/mnist/): a big-endian header
 * {@code 0x00 0x00 TYPE NDIMS}, NDIMS 32-bit sizes, then the data. Only TYPE 0x08 (unsigned byte)
 * is supported. Files may be gzip-compressed; that is detected from the magic bytes 1f 8b, not from
 * the name.
 *
 * <p>The size the header claims is checked before anything of that size is allocated: against the
 * file length for plain files, and against {@link #maxBytes()} for gzip, whose data is then read in
 * growing chunks, so a lying header costs at most what the stream really holds.
 */
public final class IdxReader {
    /** Default bound on the data of one file: 1 GiB. */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    static final int MAX_DIMS = 4;
    private static final int FIRST_CHUNK = 1 << 20;

    private final long maxBytes;

    /** A reader that accepts files of up to {@link #DEFAULT_MAX_BYTES} bytes of data. */
    public IdxReader() {
        this(DEFAULT_MAX_BYTES);
    }

    public IdxReader(long maxBytes) {
        if (maxBytes < 1 || maxBytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("maxBytes must be in [1, " + (Integer.MAX_VALUE - 16) + "], got " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    public long maxBytes() { return maxBytes; }

    /** Reads {@code file} with the default bound. */
    public static IdxData readFile(Path file) throws IOException {
        return new IdxReader().read(file);
    }

    public IdxData read(Path file) throws IOException {
        if (file == null) throw new IllegalArgumentException("file must not be null");
        String name = String.valueOf(file.getFileName());
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such IDX file");
        }
        long fileSize = Files.size(file);
        boolean gzip = startsWithGzipMagic(file);
        try (InputStream raw = Files.newInputStream(file)) {
            if (!gzip) return readPlain(name, new BufferedInputStream(raw, 1 << 16), fileSize);
            CheckedInputStream in = new CheckedInputStream(new GZIPInputStream(raw, 1 << 16), new CRC32());
            try (in) {
                IdxData data = readStream(name, in);
                checkGzipEndsTheFile(name, file, fileSize, in.getChecksum().getValue(), 4 + 4L * data.dims().length
                        + data.data().length);
                return data;
            }
        } catch (ZipException | EOFException e) {
            // From the inflater: the compressed stream itself is damaged or cut short.
            throw new IdxFormatException(name + ": damaged gzip data (" + e.getMessage() + ")", e);
        }
    }

    /**
     * GZIPInputStream stops quietly at bytes after the end of a gzip member that do not form another member, so
     * a file with data appended would pass. A single-member file ends with the member's trailer: the CRC-32 and
     * the length (mod 2^32) of all the data it decompressed to. Anything else there is data after the end (or a
     * file of several concatenated members, which no IDX producer writes) and is refused.
     */
    private static void checkGzipEndsTheFile(String name, Path file, long fileSize, long crc, long decompressed)
            throws IOException {
        byte[] trailer = new byte[8];
        try (var channel = Files.newByteChannel(file)) {
            channel.position(Math.max(0, fileSize - 8));
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(trailer);
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) { /* fill */ }
        }
        java.nio.ByteBuffer le = java.nio.ByteBuffer.wrap(trailer).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long fileCrc = le.getInt(0) & 0xffffffffL;
        long fileLength = le.getInt(4) & 0xffffffffL;
        if (fileCrc != crc || fileLength != (decompressed & 0xffffffffL)) {
            throw new IdxFormatException(name + ": data after the end of the gzip stream; expected one gzip member"
                    + " ending at the end of the file");
        }
    }

    private static boolean startsWithGzipMagic(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    private IdxData readPlain(String name, InputStream in, long fileSize) throws IOException {
        int[] dims = readHeader(name, in, fileSize);
        long headerBytes = 4 + 4L * dims.length;
        long expected = product(dims);
        long actual = fileSize - headerBytes;
        if (actual != expected) {
            throw new IdxFormatException(name + ": header says " + describe(dims) + " = " + expected
                    + " bytes but the file holds " + actual + " bytes"
                    + (actual > expected ? " (" + (actual - expected) + " bytes of trailing data)" : ""));
        }
        checkBound(name, dims, expected);
        byte[] data = new byte[(int) expected];
        int read = in.readNBytes(data, 0, data.length);
        if (read != data.length) {
            throw new IdxFormatException(name + ": file shrank while reading: got " + read + " of " + expected + " bytes");
        }
        return new IdxData(name, dims, data);
    }

    /** Reads a stream of unknown length (decompressed gzip): the header is checked against maxBytes. */
    IdxData readStream(String name, InputStream in) throws IOException {
        int[] dims = readHeader(name, in, -1);
        long expected = product(dims);
        checkBound(name, dims, expected);
        int size = (int) expected;
        byte[] data = new byte[Math.min(size, FIRST_CHUNK)];
        int filled = 0;
        while (true) {
            int n = in.readNBytes(data, filled, data.length - filled);
            filled += n;
            if (filled < data.length) {
                throw new IdxFormatException(name + ": header says " + describe(dims) + " = " + expected
                        + " bytes but the decompressed data ends after " + filled + " bytes");
            }
            if (filled == size) break;
            data = Arrays.copyOf(data, (int) Math.min(size, 2L * data.length));
        }
        long trailing = in.skip(Long.MAX_VALUE);
        if (trailing > 0 || in.read() >= 0) {
            throw new IdxFormatException(name + ": header says " + describe(dims) + " = " + expected
                    + " bytes but the decompressed data holds more (" + Math.max(trailing, 1) + " bytes of trailing data)");
        }
        return new IdxData(name, dims, data);
    }

    private static int[] readHeader(String name, InputStream in, long fileSize) throws IOException {
        byte[] magic = in.readNBytes(4);
        if (magic.length < 4) {
            throw new IdxFormatException(name + ": " + magic.length + " bytes long; an IDX header needs at least 8");
        }
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IdxFormatException(name + ": bad magic " + hex(magic)
                    + "; an IDX file starts with 00 00, then the type and the number of dimensions");
        }
        int type = magic[2] & 0xff;
        if (type != 0x08) {
            throw new IdxFormatException(name + ": data type 0x" + String.format("%02x", type) + " (" + typeName(type)
                    + ") is not supported; only 0x08 (unsigned byte)");
        }
        int ndims = magic[3] & 0xff;
        if (ndims < 1 || ndims > MAX_DIMS) {
            throw new IdxFormatException(name + ": number of dimensions is " + ndims + "; expected 1 to " + MAX_DIMS);
        }
        byte[] sizes = in.readNBytes(4 * ndims);
        if (sizes.length < 4 * ndims) {
            throw new IdxFormatException(name + ": header declares " + ndims + " dimensions but the "
                    + (fileSize >= 0 ? "file" : "data") + " ends inside the list of sizes");
        }
        int[] dims = new int[ndims];
        for (int d = 0; d < ndims; d++) {
            int v = ((sizes[4 * d] & 0xff) << 24) | ((sizes[4 * d + 1] & 0xff) << 16)
                    | ((sizes[4 * d + 2] & 0xff) << 8) | (sizes[4 * d + 3] & 0xff);
            if (v <= 0) {
                throw new IdxFormatException(name + ": dimension " + d + " is " + Integer.toUnsignedLong(v)
                        + (v < 0 ? " (too large)" : "") + "; every dimension must be > 0");
            }
            dims[d] = v;
        }
        return dims;
    }

    private void checkBound(String name, int[] dims, long expected) throws IdxFormatException {
        if (expected > maxBytes) {
            throw new IdxFormatException(name + ": header says " + describe(dims) + " = " + expected
                    + " bytes, more than the limit of " + maxBytes + " bytes");
        }
    }

    /** Product of the dimensions; saturates at Long.MAX_VALUE (each factor is < 2^31, so checking per factor is enough). */
    private static long product(int[] dims) {
        long p = 1;
        for (int d : dims) {
            if (p > Long.MAX_VALUE / d) return Long.MAX_VALUE;
            p *= d;
        }
        return p;
    }

    private static String describe(int[] dims) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < dims.length; i++) sb.append(i == 0 ? "" : " x ").append(dims[i]);
        return sb.toString();
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b.length; i++) sb.append(i == 0 ? "" : " ").append(String.format("%02x", b[i] & 0xff));
        return sb.toString();
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x09 -> "signed byte";
            case 0x0b -> "short";
            case 0x0c -> "int";
            case 0x0d -> "float";
            case 0x0e -> "double";
            default -> "unknown type";
        };
    }
}
