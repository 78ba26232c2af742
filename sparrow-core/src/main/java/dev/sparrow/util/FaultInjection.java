package dev.sparrow.util;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Numbered points inside the run folder's writes (checkpoint data, rename, metrics line, summary) where a
 * test can make the process die or the disk fail, deterministically: a kill at "the Nth point" repeats
 * exactly, where a kill after some milliseconds would not. Off unless a test turns it on; then each
 * {@link #point} call costs one counter increment.
 *
 * <p>{@code -Dsparrow.fault.haltAt=N} halts the JVM (as {@code kill -9} would: no finally blocks, no
 * shutdown hooks) at the Nth point; {@link #failAt} makes the Nth point throw an {@link IOException}, as a
 * full disk or a read-only folder does.
 */
public final class FaultInjection {
    /** Exit status of a halt at a fault point, so a test tells it from a crash. */
    public static final int HALT_STATUS = 77;

    private static final AtomicLong COUNT = new AtomicLong();
    private static final long HALT_AT = Long.getLong("sparrow.fault.haltAt", 0);
    private static volatile long failAt;
    private static volatile String failReason = "";

    private FaultInjection() {}

    /** Marks one point; halts or throws when it is the one a test asked for. */
    public static void point(String what) throws IOException {
        if (HALT_AT == 0 && failAt == 0) return;
        long n = COUNT.incrementAndGet();
        if (n == HALT_AT) {
            System.err.println("fault injection: halting at point " + n + " (" + what + ")");
            System.err.flush();
            Runtime.getRuntime().halt(HALT_STATUS);
        }
        if (n == failAt) throw new IOException(failReason);
    }

    /** Points passed so far (counted only while a fault is armed or by {@code -Dsparrow.fault.haltAt}). */
    public static long count() { return COUNT.get(); }

    /** From the next point on, the {@code n}th (1-based) throws {@code IOException(reason)}; 0 disarms. */
    public static void failAt(long n, String reason) {
        COUNT.set(0);
        failReason = reason;
        failAt = n;
    }

    /** Counts points without failing (to learn how many a run passes): {@link #failAt} a point never reached. */
    public static void countOnly() { failAt(Long.MAX_VALUE, ""); }
}
