package dev.sparrow.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.sparrow.data.IdxFiles.gzip;
import static dev.sparrow.data.IdxFiles.idx;
import static dev.sparrow.data.IdxFiles.ramp;
import static dev.sparrow.data.IdxFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdxReaderTest {
    @TempDir
    Path dir;

    /** Writes content as "name" (plain) or "name.gz" (gzipped) and returns the path. */
    private Path file(boolean gz, String name, byte[] content) throws IOException {
        return gz ? write(dir, name + ".gz", gzip(content)) : write(dir, name, content);
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void readsImagesAndLabels(boolean gz) throws IOException {
        byte[] pixels = ramp(5 * 3 * 4);
        IdxData images = IdxReader.readFile(file(gz, "images-idx3-ubyte", idx(8, new int[] {5, 3, 4}, pixels)));
        assertThat(images.dims()).containsExactly(5, 3, 4);
        assertThat(images.data()).isEqualTo(pixels);
        assertThat(images.count()).isEqualTo(5);
        assertThat(images.itemSize()).isEqualTo(12);

        IdxData labels = IdxReader.readFile(file(gz, "labels-idx1-ubyte", idx(8, new int[] {3}, new byte[] {9, 0, (byte) 200})));
        assertThat(labels.dims()).containsExactly(3);
        assertThat(labels.data()).containsExactly(9, 0, (byte) 200);

        IdxData four = IdxReader.readFile(file(gz, "four", idx(8, new int[] {2, 1, 2, 3}, ramp(12))));
        assertThat(four.dims()).containsExactly(2, 1, 2, 3);
    }

    @Test
    void gzipIsDetectedByMagicNotByName() throws IOException {
        Path p = write(dir, "plain-name-idx1-ubyte", gzip(idx(8, new int[] {2}, new byte[] {4, 5})));
        assertThat(IdxReader.readFile(p).data()).containsExactly(4, 5);
        Path q = write(dir, "gz-name.gz", idx(8, new int[] {2}, new byte[] {6, 7}));
        assertThat(IdxReader.readFile(q).data()).containsExactly(6, 7);
    }

    @Test
    void largeGzipFileGrowsItsBufferPastTheFirstChunk() throws IOException {
        byte[] pixels = ramp(3 * 1000 * 1000);
        IdxData d = IdxReader.readFile(file(true, "big", idx(8, new int[] {3000, 1000}, pixels)));
        assertThat(d.data()).isEqualTo(pixels);
    }

    @Test
    void truncatedPlainFileNamesHeaderAndActualSizes() throws IOException {
        Path p = file(false, "train-images-idx3-ubyte", idx(8, new int[] {60000, 28, 28}, new byte[1200]));
        assertThatThrownBy(() -> IdxReader.readFile(p))
                .isInstanceOf(IdxFormatException.class)
                .hasMessage("train-images-idx3-ubyte: header says 60000 x 28 x 28 = 47040000 bytes but the file holds 1200 bytes");
    }

    @Test
    void truncatedGzipDataNamesHeaderAndActualSizes() throws IOException {
        Path p = file(true, "train-images-idx3-ubyte", idx(8, new int[] {60000, 28, 28}, new byte[1200]));
        assertThatThrownBy(() -> IdxReader.readFile(p))
                .isInstanceOf(IdxFormatException.class)
                .hasMessage("train-images-idx3-ubyte.gz: header says 60000 x 28 x 28 = 47040000 bytes"
                        + " but the decompressed data ends after 1200 bytes");
    }

    @Test
    void gzipFileCutShortIsReportedAsDamaged() throws IOException {
        byte[] whole = gzip(idx(8, new int[] {100, 10}, ramp(1000)));
        Path p = write(dir, "cut.gz", Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> IdxReader.readFile(p))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageStartingWith("cut.gz: damaged gzip data");
    }

    @Test
    void dataAfterTheEndOfTheGzipStreamIsRefused() throws IOException {
        byte[] whole = gzip(idx(8, new int[] {100, 10}, ramp(1000)));
        for (byte[] junk : new byte[][] {{1}, {0, 0, 0, 0, 0, 0, 0, 0, 0}, "trailing text".getBytes()}) {
            byte[] appended = Arrays.copyOf(whole, whole.length + junk.length);
            System.arraycopy(junk, 0, appended, whole.length, junk.length);
            Path p = write(dir, "appended.gz", appended);
            assertThatThrownBy(() -> IdxReader.readFile(p))
                    .isInstanceOf(IdxFormatException.class)
                    .hasMessage("appended.gz: data after the end of the gzip stream; expected one gzip member ending at"
                            + " the end of the file");
        }
        // the same stream without the junk reads
        assertThat(IdxReader.readFile(write(dir, "whole.gz", whole)).data()).isEqualTo(ramp(1000));
    }

    @Test
    void corruptedGzipStreamIsReportedAsDamaged() throws IOException {
        byte[] whole = gzip(idx(8, new int[] {100, 10}, ramp(1000)));
        for (int i = 12; i < whole.length - 8; i++) whole[i] ^= (byte) 0x5a;
        Path p = write(dir, "garbled.gz", whole);
        assertThatThrownBy(() -> IdxReader.readFile(p)).isInstanceOf(IOException.class).hasMessageContaining("garbled.gz");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void trailingDataIsRejected(boolean gz) throws IOException {
        byte[] content = idx(8, new int[] {2, 2}, ramp(4 + 3));
        Path p = file(gz, "t", content);
        assertThatThrownBy(() -> IdxReader.readFile(p))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining("header says 2 x 2 = 4 bytes but the")
                .hasMessageContaining("3 bytes of trailing data");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void badMagicIsRejected(boolean gz) throws IOException {
        byte[] content = idx(8, new int[] {2}, new byte[2]);
        content[1] = 1;
        Path p = file(gz, "m", content);
        assertThatThrownBy(() -> IdxReader.readFile(p))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining(": bad magic 00 01 08 01");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void otherDataTypesAreRejectedByName(boolean gz) throws IOException {
        Path p = file(gz, "f", idx(0x0d, new int[] {2}, new byte[8]));
        assertThatThrownBy(() -> IdxReader.readFile(p))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining("data type 0x0d (float) is not supported; only 0x08 (unsigned byte)");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void zeroDimensionIsRejected(boolean gz) throws IOException {
        Path p = file(gz, "z", idx(8, new int[] {3, 0, 28}, new byte[0]));
        assertThatThrownBy(() -> IdxReader.readFile(p))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining("dimension 1 is 0; every dimension must be > 0");
    }

    @Test
    void negativeDimensionIsRejected() throws IOException {
        Path p = file(false, "neg", idx(8, new int[] {-5}, new byte[0]));
        assertThatThrownBy(() -> IdxReader.readFile(p)).hasMessageContaining("dimension 0 is 4294967291 (too large)");
    }

    @Test
    void dimensionCountOutsideOneToFourIsRejected() throws IOException {
        Path none = file(false, "none", idx(8, new int[0], new byte[0]));
        assertThatThrownBy(() -> IdxReader.readFile(none)).hasMessageContaining("number of dimensions is 0; expected 1 to 4");
        Path five = file(false, "five", idx(8, new int[] {1, 1, 1, 1, 1}, new byte[1]));
        assertThatThrownBy(() -> IdxReader.readFile(five)).hasMessageContaining("number of dimensions is 5; expected 1 to 4");
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void hugeHeaderFailsBeforeAllocating(boolean gz) throws IOException {
        // 2^31-1 cubed would be ~10^28 bytes: the check must come before any buffer of that size.
        int big = Integer.MAX_VALUE;
        Path p = file(gz, "huge", idx(8, new int[] {big, big, big}, new byte[10]));
        assertThatThrownBy(() -> IdxReader.readFile(p))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining("huge")
                .hasMessageContaining("2147483647 x 2147483647 x 2147483647");
    }

    @Test
    void gzipHeaderAboveTheBoundFailsBeforeAllocating() throws IOException {
        // 1.5 GiB claimed, 10 bytes present: rejected by the 1 GiB bound, not by running out of memory.
        Path p = file(true, "big.gz-content", idx(8, new int[] {3, 512, 1 << 20}, new byte[10]));
        assertThatThrownBy(() -> IdxReader.readFile(p))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining("header says 3 x 512 x 1048576 = 1610612736 bytes, more than the limit of 1073741824 bytes");
        Path q = file(true, "small-limit", idx(8, new int[] {100}, new byte[100]));
        assertThatThrownBy(() -> new IdxReader(99).read(q)).hasMessageContaining("more than the limit of 99 bytes");
    }

    @Test
    void shortHeadersAreRejected() throws IOException {
        Path tiny = write(dir, "tiny", new byte[] {0, 0, 8});
        assertThatThrownBy(() -> IdxReader.readFile(tiny)).hasMessage("tiny: 3 bytes long; an IDX header needs at least 8");
        Path cut = write(dir, "cut", new byte[] {0, 0, 8, 3, 0, 0, 0, 5, 0, 0});
        assertThatThrownBy(() -> IdxReader.readFile(cut))
                .hasMessage("cut: header declares 3 dimensions but the file ends inside the list of sizes");
        Path empty = write(dir, "empty.gz", gzip(new byte[0]));
        assertThatThrownBy(() -> IdxReader.readFile(empty)).hasMessageContaining("empty.gz: 0 bytes long");
    }

    @Test
    void missingFileIsNamed() {
        assertThatThrownBy(() -> IdxReader.readFile(dir.resolve("absent-idx1-ubyte")))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("absent-idx1-ubyte");
    }
}
