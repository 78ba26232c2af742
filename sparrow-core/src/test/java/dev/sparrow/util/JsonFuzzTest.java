package dev.sparrow.util;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Seeded mutations of JSON texts: each parses or fails with JsonException, with bounded allocation. */
class JsonFuzzTest {
    static final int CASES = 5000;
    private static final List<String> SOURCES = List.of(
            "{\"model\":\"mlp\",\"epochs\":3,\"lr\":0.05,\"nesterov\":true,\"data_dir\":null,\"sparsity\":{\"method\":\"rigl\",\"sparsity\":0.9}}",
            "[1,-2.5e-3,\"a\\u00e9\\n\",[[[]]],{\"k\":{}},false,null]",
            "{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}");

    @Test
    void mutatedTextsParseOrFailWithJsonException() {
        long seed = Mutations.seed();
        System.out.println("JsonFuzzTest seed " + seed + " (repeat with -Dsparrow.fuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        int parsed = 0, refused = 0;
        for (int c = 0; c < CASES; c++) {
            byte[] bytes = Mutations.mutate(SOURCES.get(random.nextInt(SOURCES.size())).getBytes(StandardCharsets.UTF_8), random);
            String text = new String(bytes, StandardCharsets.UTF_8);
            long before = Mutations.allocatedBytes();
            try {
                Json.parse(text, Json.Limits.of(1 << 16));
                parsed++;
            } catch (JsonException expected) {
                refused++;
                assertThat(expected.getMessage()).hasSizeLessThan(1000);
            } catch (Throwable t) {
                fail("case " + c + " of seed " + seed + " threw " + t + " on " + text, t);
            }
            assertThat(Mutations.allocatedBytes() - before).as("case %d of seed %d", c, seed).isLessThan(1L << 20);
        }
        System.out.printf("JsonFuzzTest: %d cases (%d parsed, %d refused with JsonException)%n", CASES, parsed, refused);
        assertThat(refused).isGreaterThan(0);
    }
}
