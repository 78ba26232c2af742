package dev.sparrow.util;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;

/** Byte-level mutations for the seeded parser fuzz tests, and the seed and allocation bookkeeping they share. */
public final class Mutations {
    private Mutations() {}

    /** -Dsparrow.fuzz.seed=S repeats a run; printed by the caller. */
    public static long seed() {
        return Long.getLong("sparrow.fuzz.seed", System.nanoTime());
    }

    /** Bit flips, truncation, a random byte, a chunk copied elsewhere, bytes appended, or a digit run of 9s. */
    public static byte[] mutate(byte[] original, Random r) {
        byte[] b = original.clone();
        if (b.length == 0) return new byte[] {(byte) r.nextInt(256)};
        switch (r.nextInt(7)) {
            case 0 -> { for (int i = 1 + r.nextInt(8); i > 0; i--) b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8)); }
            case 1 -> b = Arrays.copyOf(b, r.nextInt(b.length));
            case 2 -> b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            case 3 -> {
                int from = r.nextInt(b.length), to = r.nextInt(b.length);
                int n = Math.min(1 + r.nextInt(64), Math.min(b.length - from, b.length - to));
                System.arraycopy(original, from, b, to, n);
            }
            case 4 -> {
                byte[] tail = new byte[1 + r.nextInt(32)];
                r.nextBytes(tail);
                b = Arrays.copyOf(b, b.length + tail.length);
                System.arraycopy(tail, 0, b, original.length, tail.length);
            }
            case 5 -> { // a number made huge: where a digit is, a run of nines
                int at = r.nextInt(b.length);
                for (int i = at; i < b.length && i < at + 12; i++) if (b[i] >= '0' && b[i] <= '9') b[i] = '9';
            }
            default -> { // a byte repeated, e.g. deep nesting or a long name
                int at = r.nextInt(b.length);
                byte[] out = new byte[b.length + 200];
                System.arraycopy(b, 0, out, 0, at);
                Arrays.fill(out, at, at + 200, b[at]);
                System.arraycopy(b, at, out, at + 200, b.length - at);
                b = out;
            }
        }
        return b;
    }

    /** Bytes allocated so far by this thread, to bound what one case may allocate. */
    public static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
