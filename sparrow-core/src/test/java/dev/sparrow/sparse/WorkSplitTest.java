package dev.sparrow.sparse;

import dev.sparrow.kernel.ComputePool;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class WorkSplitTest {

    /** Rows 0..99 with one giant row: every row is run exactly once and no thread gets much more than its share. */
    @Test
    void splitsRowsByNonzerosCoveringEachOnce() {
        int units = 100;
        int[] ptr = new int[units + 1];
        for (int r = 0; r < units; r++) ptr[r + 1] = ptr[r] + (r == 10 ? 1000 : r % 3 == 0 ? 0 : 10);
        long total = ptr[units];
        try (ComputePool pool = ComputePool.ofThreads(3)) {
            AtomicIntegerArray seen = new AtomicIntegerArray(units);
            AtomicLong maxShare = new AtomicLong();
            WorkSplit.byNonzeros(pool, ptr, units, (from, to) -> {
                for (int r = from; r < to; r++) seen.incrementAndGet(r);
                maxShare.accumulateAndGet(ptr[to] - ptr[from], Math::max);
            });
            for (int r = 0; r < units; r++) assertThat(seen.get(r)).as("row " + r).isEqualTo(1);
            // The giant row (1000 of 1660) cannot be split; otherwise each share is about total / 3.
            assertThat(maxShare.get()).isLessThanOrEqualTo(1000 + total / 3);
        }
    }

    @Test
    void allEmptyRowsStillRunOnce() {
        int[] ptr = new int[8];
        AtomicIntegerArray seen = new AtomicIntegerArray(7);
        try (ComputePool pool = ComputePool.ofThreads(2)) {
            WorkSplit.byNonzeros(pool, ptr, 7, (from, to) -> {
                for (int r = from; r < to; r++) seen.incrementAndGet(r);
            });
        }
        for (int r = 0; r < 7; r++) assertThat(seen.get(r)).isEqualTo(1);
    }

    @Test
    void firstAtLeastFindsTheBoundary() {
        int[] ptr = {0, 0, 5, 5, 9};
        assertThat(WorkSplit.firstAtLeast(ptr, 4, 0)).isEqualTo(0);
        assertThat(WorkSplit.firstAtLeast(ptr, 4, 1)).isEqualTo(2);
        assertThat(WorkSplit.firstAtLeast(ptr, 4, 5)).isEqualTo(2);
        assertThat(WorkSplit.firstAtLeast(ptr, 4, 6)).isEqualTo(4);
        assertThat(WorkSplit.firstAtLeast(ptr, 4, 9)).isEqualTo(4);
    }
}
