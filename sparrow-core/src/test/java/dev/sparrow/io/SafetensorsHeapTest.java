package dev.sparrow.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A file whose tensors exceed the heap is refused before anything is read (issue 12, item 8). */
class SafetensorsHeapTest {
    @TempDir
    Path dir;

    @Test
    void tensorsLargerThanTheHeapAreRefusedWithTheSizes() throws IOException {
        long heap = Runtime.getRuntime().maxMemory();
        // F32 tensors of 1 GiB each, under the per-tensor limit, together over the heap: only the sum says no
        long each = 1L << 30;
        int count = (int) (heap / each) + 1;
        long total = count * each;
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < count; i++) {
            json.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[")
                    .append(each / 4).append("],\"data_offsets\":[").append(i * each).append(',').append((i + 1) * each)
                    .append("]}");
        }
        json.append('}');
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("huge.safetensors");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length));
            ch.write(ByteBuffer.wrap(header));
            // a sparse file: the data's last byte is written, the rest is a hole that takes no disk
            ch.write(ByteBuffer.wrap(new byte[1]), 8 + header.length + total - 1);
        }
        assertThatThrownBy(() -> SafetensorsReader.read(file))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(file + ": its tensors hold " + (total >> 20) + " MB; the heap has about ")
                .hasMessageContaining("raise -Xmx");
    }
}
