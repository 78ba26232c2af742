package dev.sparrow.data;

import dev.sparrow.util.Mutations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Seeded mutations of plain and gzip IDX files: each reads or fails with IdxFormatException, with bounded allocation. */
class IdxFuzzTest {
    static final int CASES = 2000;

    @Test
    void mutatedFilesReadOrFailWithIdxFormatException(@TempDir Path dir) throws Exception {
        long seed = Mutations.seed();
        System.out.println("IdxFuzzTest seed " + seed + " (repeat with -Dsparrow.fuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        byte[] images = IdxFiles.idx(0x08, new int[] {3, 4, 5}, IdxFiles.ramp(60));
        byte[] labels = IdxFiles.idx(0x08, new int[] {7}, IdxFiles.ramp(7));
        byte[][] sources = {images, labels, IdxFiles.gzip(images), IdxFiles.gzip(labels)};
        IdxReader reader = new IdxReader(1 << 20);
        Path file = dir.resolve("fuzz.idx");
        int read = 0, refused = 0;
        for (int c = 0; c < CASES; c++) {
            byte[] bytes = Mutations.mutate(sources[random.nextInt(sources.length)], random);
            Files.write(file, bytes);
            long before = Mutations.allocatedBytes();
            try {
                IdxData d = reader.read(file);
                assertThat(d).isNotNull();
                read++;
            } catch (IdxFormatException expected) {
                refused++;
                assertThat(expected.getMessage()).startsWith("fuzz.idx").hasSizeLessThan(1000);
            } catch (Throwable t) {
                fail("case " + c + " of seed " + seed + " threw " + t, t);
            }
            assertThat(Mutations.allocatedBytes() - before).as("case %d of seed %d", c, seed).isLessThan(4L << 20);
        }
        System.out.printf("IdxFuzzTest: %d cases (%d read, %d refused with IdxFormatException)%n", CASES, read, refused);
        assertThat(refused).isGreaterThan(0);
    }
}
