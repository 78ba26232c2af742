package dev.sparrow.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
    @Test
    void everyIndexRunsExactlyOnceInGrainAlignedChunks() {
        try (ComputePool pool = ComputePool.ofThreads(3)) {
            for (int n : new int[] {1, 2, 7, 100, 1001}) {
                for (int grain : new int[] {1, 4, 16}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    AtomicInteger chunks = new AtomicInteger();
                    pool.parallelFor(n, grain, (from, to) -> {
                        chunks.incrementAndGet();
                        assertThat(from % grain).isZero();
                        for (int i = from; i < to; i++) hits.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++) assertThat(hits.get(i)).as("n=%d grain=%d i=%d", n, grain, i).isEqualTo(1);
                    assertThat(chunks.get()).isLessThanOrEqualTo(3);
                }
            }
        }
    }

    @Test
    void manyCallsInARowStayCorrect() {
        try (ComputePool pool = ComputePool.ofThreads(2)) {
            long[] total = new long[1];
            for (int call = 0; call < 2000; call++) {
                AtomicInteger sum = new AtomicInteger();
                pool.parallelFor(64, 1, (from, to) -> sum.addAndGet(to - from));
                total[0] += sum.get();
            }
            assertThat(total[0]).isEqualTo(2000L * 64);
        }
    }

    @Test
    void exceptionsFromAnyChunkPropagate() {
        try (ComputePool pool = ComputePool.ofThreads(2)) {
            assertThatThrownBy(() -> pool.parallelFor(100, 1, (from, to) -> {
                if (from > 0) throw new IllegalStateException("worker chunk failed");
            })).isInstanceOf(IllegalStateException.class).hasMessage("worker chunk failed");
            assertThatThrownBy(() -> pool.parallelFor(100, 1, (from, to) -> {
                if (from == 0) throw new ArithmeticException("caller chunk failed");
            })).isInstanceOf(ArithmeticException.class);
            // The pool still works afterwards.
            AtomicInteger sum = new AtomicInteger();
            pool.parallelFor(10, 1, (from, to) -> sum.addAndGet(to - from));
            assertThat(sum.get()).isEqualTo(10);
        }
    }

    @Test
    void nestedCallsFromAWorkerRunSerially() {
        try (ComputePool pool = ComputePool.ofThreads(2)) {
            AtomicInteger inner = new AtomicInteger();
            pool.parallelFor(2, 1, (from, to) -> pool.parallelFor(10, 1, (f, t) -> inner.addAndGet(t - f)));
            assertThat(inner.get()).isEqualTo(20);
        }
    }
}
