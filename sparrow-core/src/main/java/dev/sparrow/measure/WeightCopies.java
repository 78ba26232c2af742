package dev.sparrow.measure;

import java.util.function.IntConsumer;

/**
 * Weights "streamed" from memory: a kernel rotates over copies of its weights that together span more
 * than the last-level cache, so every call reads them from DRAM; "cached" weights are one copy, reused.
 */
public final class WeightCopies {
    /** Streamed copies span this much by default, twice a typical L3 or more. */
    public static final long STREAM_BYTES = 64L << 20;

    private WeightCopies() {}

    /** Copies of {@code bytesPerCopy} each that span {@code targetBytes} (2 to 4096); 1 for a target of 0 (cached). */
    public static int count(long bytesPerCopy, long targetBytes) {
        if (targetBytes == 0) return 1;
        return (int) Math.max(2, Math.min(4096, (targetBytes + bytesPerCopy - 1) / Math.max(1, bytesPerCopy)));
    }

    /** A kernel over {@code copies} copies of its weights: each run calls {@code call} with the next copy's index. */
    public static Runnable rotate(int copies, IntConsumer call) {
        return new Runnable() {
            private int next;

            @Override
            public void run() {
                call.accept(next);
                next = next + 1 == copies ? 0 : next + 1;
            }
        };
    }
}
