package dev.sparrow.io;

import dev.sparrow.util.FaultInjection;
import dev.sparrow.util.Json;

import java.io.IOException;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes safetensors files that the reference implementation (Python {@code safetensors}) reads:
 * 8-byte little-endian header length, a UTF-8 JSON header padded with spaces so the data starts
 * 8-byte aligned, then the tensors' little-endian bytes laid out contiguously in the order given.
 *
 * <p>Writes are atomic: the file is written to a temporary file in the target's directory, forced to
 * disk, then renamed over the target. A failure or crash at any point leaves the previous file at the
 * target path untouched, and a failed write removes its temporary file.
 */
public final class SafetensorsWriter {
    /** The data buffer starts at a multiple of this many bytes from the file start. */
    public static final int ALIGNMENT = 8;

    private SafetensorsWriter() {}

    /**
     * Writes {@code tensors} (in iteration order) and {@code metadata} to {@code target} atomically.
     *
     * @param tensors  name to tensor; names must not be null or "__metadata__"
     * @param metadata string-to-string entries for {@code __metadata__} (may be empty; omitted when empty)
     */
    public static void write(Path target, Map<String, ? extends TensorSource> tensors, Map<String, String> metadata)
            throws IOException {
        if (target == null) throw new IllegalArgumentException("target is null");
        if (tensors == null) throw new IllegalArgumentException("tensors is null");
        if (metadata == null) throw new IllegalArgumentException("metadata is null");
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("cannot write " + target + ": directory " + dir + " does not exist");
        }
        byte[] header = header(tensors, metadata);

        // not Files.createTempFile: its 0600 would make every checkpoint private whatever the umask says
        Path temp = dir.resolve(tempName(absolute));
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                FaultInjection.point("safetensors temp created " + temp);
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(ch, length);
                writeFully(ch, ByteBuffer.wrap(header));
                FaultInjection.point("safetensors header written " + temp);
                writeData(ch, tensors);
                ch.force(true);
            }
            FaultInjection.point("safetensors before rename " + temp);
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
            FaultInjection.point("safetensors renamed " + absolute);
            syncDirectory(dir);
        } finally {
            if (!moved) Files.deleteIfExists(temp);
        }
    }

    /** Prefix of the temporary files beside {@code target}, so a later start can remove those a crash left. */
    public static String tempPrefix(Path target) {
        return "." + target.getFileName() + ".";
    }

    private static String tempName(Path target) {
        return tempPrefix(target) + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".tmp";
    }

    /** The padded header bytes (without the 8-byte length), after checking every argument. */
    static byte[] header(Map<String, ? extends TensorSource> tensors, Map<String, String> metadata) {
        Map<String, Object> json = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null) throw new IllegalArgumentException("metadata has a null key");
                if (e.getValue() == null) throw new IllegalArgumentException("metadata '" + e.getKey() + "' has a null value");
            }
            json.put(SafetensorsReader.METADATA_KEY, metadata);
        }
        long offset = 0;
        for (Map.Entry<String, ? extends TensorSource> e : tensors.entrySet()) {
            String name = e.getKey();
            TensorSource source = e.getValue();
            if (name == null) throw new IllegalArgumentException("tensors has a null name");
            if (name.equals(SafetensorsReader.METADATA_KEY)) {
                throw new IllegalArgumentException("a tensor cannot be named " + SafetensorsReader.METADATA_KEY);
            }
            if (source == null) throw new IllegalArgumentException("tensor '" + name + "' is null");
            int[] shape = source.shape();
            long bytes = source.byteSize();
            if (bytes > TensorData.MAX_BYTES) {
                throw new IllegalArgumentException("tensor '" + name + "' " + source.dtype() + Arrays.toString(shape)
                        + " has " + bytes + " bytes; at most " + TensorData.MAX_BYTES + " are supported");
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", source.dtype().name());
            entry.put("shape", shape);
            entry.put("data_offsets", new long[] {offset, offset + bytes});
            json.put(name, entry);
            offset += bytes;
        }
        byte[] text = Json.write(json).getBytes(StandardCharsets.UTF_8);
        int padded = (text.length + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        if (padded > SafetensorsReader.MAX_HEADER_LENGTH) {
            throw new IllegalArgumentException("header would have " + padded + " bytes; the format allows at most "
                    + SafetensorsReader.MAX_HEADER_LENGTH);
        }
        byte[] out = Arrays.copyOf(text, padded);
        Arrays.fill(out, text.length, padded, (byte) ' ');
        return out;
    }

    private static void writeData(FileChannel ch, Map<String, ? extends TensorSource> tensors) throws IOException {
        ByteBuffer scratch = ByteBuffer.allocate(0);
        for (Map.Entry<String, ? extends TensorSource> e : tensors.entrySet()) {
            int bytes = (int) e.getValue().byteSize();
            if (scratch.capacity() < bytes) scratch = ByteBuffer.allocate(bytes);
            scratch.clear().limit(bytes);
            ByteBuffer target = scratch.slice().order(ByteOrder.LITTLE_ENDIAN);
            try {
                e.getValue().writeTo(target);
            } catch (BufferOverflowException tooMuch) {
                throw new IllegalStateException("source of tensor '" + e.getKey() + "' wrote more than its " + bytes + " bytes", tooMuch);
            }
            if (target.hasRemaining()) {
                throw new IllegalStateException("source of tensor '" + e.getKey() + "' wrote " + target.position()
                        + " of its " + bytes + " bytes");
            }
            target.flip();
            writeFully(ch, target);
            FaultInjection.point("safetensors tensor written " + e.getKey());
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    /** Makes the rename itself durable; not every platform can open a directory, and then the rename is still atomic. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // best effort: Windows cannot open directories as channels
        }
    }
}
