package dev.sparrow.kernel;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

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
