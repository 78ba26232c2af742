package dev.sparrow.kernel;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KernelCallTest {

    @Test
    void byNonzerosGivesEachThreadAboutTheSameNonzerosAndCoversEveryUnitOnce() {
        // rows with 10, 0, 30, 20, 40 nonzeros: 100 in all; the second part starts at the first row whose
        // prefix reaches 50 (row 4, prefix 60)
        int[] ptr = {0, 10, 10, 40, 60, 100};
        List<int[]> ranges = Collections.synchronizedList(new ArrayList<>());
        try (ComputePool pool = ComputePool.ofThreads(2)) {
            KernelCall.of("w", "k").byNonzeros(pool, ptr, 5, (c, from, to) -> {
                assertThat(c.target).isEqualTo("w");
                ranges.add(new int[] {from, to});
            });
        }
        ranges.sort((a, b) -> Integer.compare(a[0], b[0]));
        assertThat(ranges).containsExactly(new int[] {0, 4}, new int[] {4, 5});
    }

    @Test
    void byNonzerosCoversEachRowOnceWithSharesOfAboutTheTotalOverThreads() {
        int units = 100;
        int[] ptr = new int[units + 1];
        for (int r = 0; r < units; r++) ptr[r + 1] = ptr[r] + (r == 10 ? 1000 : r % 3 == 0 ? 0 : 10);
        long total = ptr[units];
        try (ComputePool pool = ComputePool.ofThreads(3)) {
            AtomicIntegerArray seen = new AtomicIntegerArray(units);
            AtomicLong maxShare = new AtomicLong();
            KernelCall.of("w", "k").byNonzeros(pool, ptr, units, (c, from, to) -> {
                for (int r = from; r < to; r++) seen.incrementAndGet(r);
                maxShare.accumulateAndGet(ptr[to] - ptr[from], Math::max);
            });
            for (int r = 0; r < units; r++) assertThat(seen.get(r)).as("row " + r).isEqualTo(1);
            // The giant row (1000 of 1660) cannot be split; otherwise each share is about total / 3.
            assertThat(maxShare.get()).isLessThanOrEqualTo(1000 + total / 3);
        }
    }

    @Test
    void byNonzerosRunsAllEmptyRowsOnce() {
        int[] ptr = new int[8];
        AtomicIntegerArray seen = new AtomicIntegerArray(7);
        try (ComputePool pool = ComputePool.ofThreads(2)) {
            KernelCall.of("w", "k").byNonzeros(pool, ptr, 7, (c, from, to) -> {
                for (int r = from; r < to; r++) seen.incrementAndGet(r);
            });
        }
        for (int r = 0; r < 7; r++) assertThat(seen.get(r)).isEqualTo(1);
    }

    @Test
    void firstAtLeastFindsTheBoundary() {
        int[] ptr = {0, 0, 5, 5, 9};
        assertThat(KernelCall.firstAtLeast(ptr, 4, 0)).isEqualTo(0);
        assertThat(KernelCall.firstAtLeast(ptr, 4, 1)).isEqualTo(2);
        assertThat(KernelCall.firstAtLeast(ptr, 4, 5)).isEqualTo(2);
        assertThat(KernelCall.firstAtLeast(ptr, 4, 6)).isEqualTo(4);
        assertThat(KernelCall.firstAtLeast(ptr, 4, 9)).isEqualTo(4);
    }

    @Test
    void slicesCoverEveryRowAndBatchColumnExactlyOnce() {
        int[] ptr = {0, 10, 10, 40, 60, 100, 100, 130};
        for (int threads : new int[] {1, 2, 3, 4}) {
            try (ComputePool pool = ComputePool.ofThreads(threads)) {
                for (int batch : new int[] {1, 17, 31, 32, 64, 100, 256}) {
                    for (int[] p : new int[][] {ptr, null}) {
                        int units = 7;
                        int[] hits = new int[units * batch];
                        List<int[]> slices = Collections.synchronizedList(new ArrayList<>());
                        KernelCall.of("w", "k").spmm(new float[1], 0, batch, batch, new float[1], 0, batch, null, false)
                                .slices(pool, p, units, (c, r0, r1, c0, c1) -> slices.add(new int[] {r0, r1, c0, c1}));
                        for (int[] sl : slices) {
                            for (int r = sl[0]; r < sl[1]; r++) for (int j = sl[2]; j < sl[3]; j++) hits[r * batch + j]++;
                            assertThat(sl[2] % 16).as("slices start on whole vectors").isZero();
                        }
                        String what = threads + " threads, batch " + batch + (p == null ? ", even rows" : ", by nonzeros");
                        for (int h : hits) assertThat(h).as(what).isEqualTo(1);
                        assertThat(slices.size()).as(what).isLessThanOrEqualTo(threads);
                        if (batch >= 32 * threads) {
                            assertThat(slices).as(what + ": split by columns, all rows each").allSatisfy(sl ->
                                    assertThat(sl[1] - sl[0]).isEqualTo(units));
                        }
                    }
                }
            }
        }
    }

    @Test
    void evenlyOnOneThreadRunsTheWholeRangeAndTheFrameIsReused() {
        List<String> seen = new ArrayList<>();
        KernelCall first = KernelCall.of("a", null);
        first.gemv(new float[1], 3, new float[2], 4, null, true).evenly(ComputePool.serial(), 17, 4,
                (c, from, to) -> seen.add(c.xOff + ":" + c.yOff + ":" + c.relu + ":" + from + "-" + to));
        assertThat(seen).containsExactly("3:4:true:0-17");
        assertThat(first.x).as("released frames drop their arrays").isNull();
        KernelCall again = KernelCall.of("b", null);
        assertThat(again).isSameAs(first);
        again.evenly(ComputePool.serial(), 0, 1, (c, f, t) -> { });
    }

    @Test
    void aNestedCallGetsItsOwnFrameAndAFailureReleasesTheFrame() {
        List<Object> targets = new ArrayList<>();
        KernelCall outer = KernelCall.of("outer", null);
        outer.evenly(ComputePool.serial(), 1, 1, (c, from, to) -> {
            KernelCall inner = KernelCall.of("inner", null);
            assertThat(inner).isNotSameAs(c);
            inner.evenly(ComputePool.serial(), 1, 1, (c2, f, t) -> targets.add(c2.target));
            targets.add(c.target);
        });
        assertThat(targets).containsExactly("inner", "outer");
        assertThatThrownBy(() -> KernelCall.of("x", null).evenly(ComputePool.serial(), 1, 1, (c, f, t) -> {
            throw new IllegalStateException("boom");
        })).hasMessage("boom");
        KernelCall again = KernelCall.of("y", null);
        assertThat(again).isSameAs(outer);
        again.evenly(ComputePool.serial(), 0, 1, (c, f, t) -> { });
    }
}
