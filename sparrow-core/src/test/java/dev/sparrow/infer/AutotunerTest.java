package dev.sparrow.infer;

import dev.sparrow.infer.InferenceTestModels.MaskKind;
import dev.sparrow.measure.SideBySideTimer;
import dev.sparrow.nn.layers.Sequential;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The format choice with a fake clock: candidates advance it by a scripted cost, so no real timing is involved. */
class AutotunerTest {

    /** Time advances only when a fake candidate runs (and by 1 ns per read, as a real clock would). */
    static final class FakeClock implements SideBySideTimer.Clock {
        long now;
        /** Bytes "allocated" so far: not yet compiled Vector API code boxes its vectors. */
        long allocated;

        @Override
        public long nanoTime() { return now++; }
    }

    /** Costs {@code slowNanos} per call for its first {@code slowCalls} calls (not yet compiled), then {@code fastNanos}. */
    static final class FakeKernel implements Runnable {
        final FakeClock clock;
        final long slowCalls, slowNanos, fastNanos;
        long calls;
        long spikeAtCall = -1, spikeNanos;

        FakeKernel(FakeClock clock, long slowCalls, long slowNanos, long fastNanos) {
            this.clock = clock;
            this.slowCalls = slowCalls;
            this.slowNanos = slowNanos;
            this.fastNanos = fastNanos;
        }

        @Override
        public void run() {
            clock.now += calls < slowCalls ? slowNanos : fastNanos;
            if (calls < slowCalls) clock.allocated += 4096;
            if (calls == spikeAtCall) clock.now += spikeNanos;
            calls++;
        }
    }

    private static final SideBySideTimer.Plan PLAN = new SideBySideTimer.Plan(2_000, 1_000_000L, 10_000_000_000L,
            5, 9, 0, 20_000L, 100);

    @Test
    void fastestCandidateWinsEvenWhenItIsTimedFirstAndStartsSlow() {
        FakeClock clock = new FakeClock();
        // the fastest once compiled, but 50x slower for its first 1500 calls (interpreted, boxed vectors:
        // steady in time, so only the allocation tells that it is not compiled yet)
        FakeKernel condensed = new FakeKernel(clock, 1_500, 500_000, 10_000);
        FakeKernel csr = new FakeKernel(clock, 0, 0, 12_000);
        FakeKernel dense = new FakeKernel(clock, 0, 0, 30_000);
        Autotuner.Result r = Autotuner.choose(List.of("condensed", "csr", "dense"), List.of(condensed, csr, dense),
                new SideBySideTimer(clock, PLAN, () -> clock.allocated));
        assertThat(r.chosen()).isEqualTo("condensed");
        assertThat(r.micros().get("condensed")).isCloseTo(10.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(r.micros().get("csr")).isCloseTo(12.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(r.micros().get("dense")).isCloseTo(30.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(condensed.calls).isGreaterThan(1_500);
    }

    @Test
    void slowCallsEndTheirWarmUpOnceStableWithoutAllocation() {
        FakeClock clock = new FakeClock();
        // 4 ms per call: 2000 calls would take 8 s; 5x the minimum warm-up time with stable, allocation-free
        // calls is enough
        FakeKernel big = new FakeKernel(clock, 10, 40_000_000, 4_000_000);
        SideBySideTimer.Timing t = new SideBySideTimer(clock, PLAN, () -> clock.allocated).time(List.of(big));
        assertThat(t.warmupCalls()[0]).isBetween(12, 20);
        assertThat(t.medianNanos()[0]).isCloseTo(4_000_000.0, org.assertj.core.data.Offset.offset(1.0));
    }

    @Test
    void withoutWarmUpTheSameScriptPicksTheWrongFormat() {
        // the failure the warm-up prevents: timed while slow, the fastest candidate loses
        FakeClock clock = new FakeClock();
        FakeKernel condensed = new FakeKernel(clock, 1_500, 500_000, 10_000);
        FakeKernel csr = new FakeKernel(clock, 0, 0, 12_000);
        SideBySideTimer.Plan noWarmUp = new SideBySideTimer.Plan(0, 0, 0, 5, 5, 0, 20_000L, 100);
        Autotuner.Result r = Autotuner.choose(List.of("condensed", "csr"), List.of(condensed, csr),
                new SideBySideTimer(clock, noWarmUp));
        assertThat(r.chosen()).isEqualTo("csr");
    }

    @Test
    void anImplausibleSpreadIsTimedOnceMore() {
        // warm-up cut short (its maximum time), condensed still uncompiled and 40x slower through the first timing:
        // more than formats differ, so the set is timed again, and condensed, compiled by then, wins
        FakeClock clock = new FakeClock();
        FakeKernel condensed = new FakeKernel(clock, 10, 400_000, 9_000);
        FakeKernel csr = new FakeKernel(clock, 0, 0, 10_000);
        SideBySideTimer.Plan shortWarmUp = new SideBySideTimer.Plan(2, 0, 0, 5, 5, 0, 20_000L, 100);
        Autotuner.Result r = Autotuner.choose(List.of("condensed", "csr"), List.of(condensed, csr),
                new SideBySideTimer(clock, shortWarmUp));
        assertThat(r.chosen()).isEqualTo("condensed");
        assertThat(Autotuner.implausibleSpread(new double[]{1, 29})).isFalse();
        assertThat(Autotuner.implausibleSpread(new double[]{1, Double.NaN, 31})).isTrue();
    }

    @Test
    void oneSlowRoundDoesNotDecide() {
        FakeClock clock = new FakeClock();
        FakeKernel a = new FakeKernel(clock, 0, 0, 11_000);
        FakeKernel b = new FakeKernel(clock, 0, 0, 10_000);
        // a neighbour steals 5 ms during one of b's timed samples (after its 2000 warm-up calls)
        b.spikeAtCall = 2_050; // warm-up takes 2047 calls (blocks 1, 2, 4 ... 256)
        b.spikeNanos = 5_000_000;
        SideBySideTimer.Timing t = new SideBySideTimer(clock, PLAN).time(List.of(a, b));
        assertThat(t.fastest()).isEqualTo(1);
        assertThat(t.medianNanos()[1]).isCloseTo(10_000.0, org.assertj.core.data.Offset.offset(1.0));
        assertThat(t.samples()).containsExactly(5, 5); // budget 0: the minimum rounds
        assertThat(t.callsPerSample()).containsExactly(2, 2);
    }

    @Test
    void everyCandidateIsWarmedBeforeAnyIsTimedAndRoundsRotateTheFirst() {
        FakeClock clock = new FakeClock();
        StringBuilder order = new StringBuilder();
        List<Runnable> calls = List.of(() -> { order.append('a'); clock.now += 50_000; },
                () -> { order.append('b'); clock.now += 50_000; },
                () -> { order.append('c'); clock.now += 50_000; });
        SideBySideTimer.Plan plan = new SideBySideTimer.Plan(3, 0, 0, 3, 3, 0, 1, 100);
        SideBySideTimer.Timing t = new SideBySideTimer(clock, plan).time(calls);
        assertThat(t.warmupCalls()).containsExactly(3, 3, 3);
        assertThat(t.callsPerSample()).containsExactly(1, 1, 1);
        assertThat(order.toString()).isEqualTo("aaabbbccc" + "abc" + "bca" + "cab");
    }

    @Test
    void denseIsAlwaysACandidateAndTiesGoToTheFirst() {
        Autotuner.clearCache();
        Sequential m = InferenceTestModels.mlp(21, 32, new int[] {24}, 8, MaskKind.UNSTRUCTURED, 0.9);
        // real kernels do not move this clock, only reads do (1 ms each): every candidate measures the same
        SideBySideTimer.Clock clock = new SideBySideTimer.Clock() {
            long now;

            @Override
            public long nanoTime() { return now += 1_000_000; }
        };
        try (InferenceSession s = InferenceSession.builder(m, 32).batchSize(4).candidates(List.of("csr", "csc"))
                .clock(clock).tuningBudgetMillis(1).build()) {
            for (InferenceSession.LayerChoice c : s.choices()) {
                assertThat(c.candidateMicros().keySet()).containsExactly("dense", "csr", "csc");
                assertThat(c.format()).isEqualTo("dense");
                assertThat(c.cached()).isFalse();
            }
        }
        try (InferenceSession again = InferenceSession.builder(m, 32).batchSize(4).candidates(List.of("csr", "csc"))
                .clock(clock).tuningBudgetMillis(1).build()) {
            assertThat(again.choices()).allSatisfy(c -> assertThat(c.cached()).isTrue());
        }
        Autotuner.clearCache();
    }
}
