package dev.sparrow.nn.layers;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Backend;
import dev.sparrow.nn.EpochAware;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Modules;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static dev.sparrow.nn.layers.GradCheck.randomTensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class KWinnersTest {

    private static final KWinnersOptions NO_BOOST = KWinnersOptions.defaults().withBoost(0, 1);

    @Test
    void trainingKeepsExactlyTheKLargestValuesUnchanged() {
        long seed = 501;
        SplittableRandom rng = new SplittableRandom(seed);
        KWinners kw = new KWinners(50, 0.1);
        assertThat(kw.k()).isEqualTo(5);
        Tensor x = randomTensor(rng, 8, 50);
        float[] y = kw.forward(x, GradCheck.context(true, seed)).data();
        for (int n = 0; n < 8; n++) {
            // duty cycles start at 0, so every unit has the same boost and the raw top 5 win
            float fifth = sortedDescending(x.data(), n * 50, 50)[4];
            int nonzeros = 0;
            for (int i = n * 50; i < n * 50 + 50; i++) {
                if (y[i] != 0f) {
                    nonzeros++;
                    assertThat(y[i]).as("winner keeps its value, sample %d, seed %d", n, seed).isEqualTo(x.get(i));
                }
                assertThat(y[i] != 0f).as("element %d wins iff it is in the top 5, seed %d", i, seed).isEqualTo(x.get(i) >= fifth);
            }
            assertThat(nonzeros).as("winners of sample %d, seed %d", n, seed).isEqualTo(5);
        }
    }

    @Test
    void tiesGoToTheLowerIndex() {
        KWinners kw = new KWinners(10, 0.3, NO_BOOST);
        float[] v = {1, 2, 2, 2, 0, 2, 2, 0, 0, 0};
        float[] y = kw.forward(Tensor.wrap(v.clone(), 1, 10), GradCheck.context(true, 1)).data();
        assertThat(y).containsExactly(0, 2, 2, 2, 0, 0, 0, 0, 0, 0);
        float[] zeros = new float[10];
        kw.forward(Tensor.wrap(zeros, 1, 10), GradCheck.context(true, 1));
        boolean[] w = kw.winners();
        assertThat(IntStream.range(0, 10).filter(i -> w[i]).toArray()).containsExactly(0, 1, 2);
    }

    @Test
    void boostingFavoursUnitsThatRarelyWin() {
        // target 0.25; unit 0 won always (duty 1): b0 = 1.0·e^{(0.25−1)·1.5} = 0.32 < b1 = 0.9·e^{0.375} = 1.31
        float[] v = {1.0f, 0.9f, 0.1f, 0.2f};
        KWinners boosted = new KWinners(4, 0.25, KWinnersOptions.defaults().withBoost(1.5, 0.9));
        boosted.dutyCycle().set(0, 1f);
        assertThat(boosted.forward(Tensor.wrap(v.clone(), 1, 4), GradCheck.context(true, 2)).data())
                .as("the boosted winner transmits its unboosted value").containsExactly(0f, 0.9f, 0f, 0f);
        KWinners plain = new KWinners(4, 0.25, NO_BOOST);
        plain.dutyCycle().set(0, 1f);
        assertThat(plain.forward(Tensor.wrap(v.clone(), 1, 4), GradCheck.context(true, 2)).data()).containsExactly(1f, 0f, 0f, 0f);
    }

    @Test
    void dutyCycleFollowsTheFormulaOverAKnownSequence() {
        KWinners kw = new KWinners(4, 0.25, NO_BOOST.withDutyCyclePeriod(3));
        ExecutionContext train = GradCheck.context(true, 3);
        // batch 1: winners unit 0 and unit 1; seen 2, period 2: duty = wins / 2
        kw.forward(Tensor.wrap(new float[] {5, 0, 0, 0, 0, 5, 0, 0}, 2, 4), train);
        assertThat(kw.dutyCycle().data()).containsExactly(0.5f, 0.5f, 0f, 0f);
        // batch 2: both won by unit 2; seen 4, period 3: duty = (duty·1 + wins) / 3
        kw.forward(Tensor.wrap(new float[] {0, 0, 5, 0, 0, 0, 5, 0}, 2, 4), train);
        assertDuty(kw, 1 / 6.0, 1 / 6.0, 2 / 3.0, 0);
        // batch 3: one sample, unit 3; seen 5, period 3: duty = (duty·2 + wins) / 3
        kw.forward(Tensor.wrap(new float[] {0, 0, 0, 5}, 1, 4), train);
        assertDuty(kw, 1 / 9.0, 1 / 9.0, 4 / 9.0, 1 / 3.0);
        assertThat(Modules.namedBuffers(kw).get("learning_iterations").get(0)).isEqualTo(5f);
        // evaluation leaves the duty cycles alone
        kw.forward(Tensor.wrap(new float[] {5, 0, 0, 0}, 1, 4), GradCheck.context(false, 3));
        assertDuty(kw, 1 / 9.0, 1 / 9.0, 4 / 9.0, 1 / 3.0);
    }

    private static void assertDuty(AbstractKWinners kw, double... expected) {
        for (int u = 0; u < expected.length; u++) {
            assertThat((double) kw.dutyCycle().get(u)).as("duty of unit %d", u).isCloseTo(expected[u], within(1e-6));
        }
    }

    @Test
    void evaluationUsesFloorOfKTimesFactorAndNoBoost() {
        long seed = 504;
        SplittableRandom rng = new SplittableRandom(seed);
        KWinners kw = new KWinners(20, 0.25, KWinnersOptions.defaults().withKInferenceFactor(1.5).withBoost(5, 0.9));
        assertThat(kw.k()).isEqualTo(5);
        assertThat(kw.kInference()).isEqualTo(7); // floor(7.5)
        for (int u = 0; u < 20; u++) kw.dutyCycle().set(u, u % 2 == 0 ? 1f : 0f); // a strong boost, were it applied
        Tensor x = randomTensor(rng, 3, 20);
        float[] y = kw.forward(x, GradCheck.context(false, seed)).data();
        for (int n = 0; n < 3; n++) {
            float seventh = sortedDescending(x.data(), n * 20, 20)[6];
            int count = 0;
            for (int i = n * 20; i < n * 20 + 20; i++) {
                assertThat(y[i]).as("element %d, seed %d", i, seed).isEqualTo(x.get(i) >= seventh ? x.get(i) : 0f);
                if (y[i] != 0f) count++;
            }
            assertThat(count).isEqualTo(7);
        }
        assertThat(new KWinners(20, 0.25, KWinnersOptions.defaults().withKInferenceFactor(9)).kInference()).as("capped").isEqualTo(20);
    }

    @Test
    void boostStrengthDecaysAtEachEpochEndThroughTheModelTree() {
        KWinners kw = new KWinners(10, 0.2, KWinnersOptions.defaults().withBoost(1.5, 0.9));
        KWinners2d kw2 = KWinners2d.local(3, 0.4, KWinnersOptions.defaults().withBoost(1.0, 0.5));
        Sequential net = new Sequential(new Flatten(), new Sequential(kw), kw2);
        EpochAware.epochEnded(net);
        EpochAware.epochEnded(net);
        assertThat(kw.boostStrength()).isCloseTo(1.5 * 0.81, within(1e-6));
        assertThat(kw2.boostStrength()).isCloseTo(0.25, within(1e-6));
        assertThat(Modules.namedBuffers(net)).containsKeys("1.0.duty_cycle", "1.0.boost_strength", "1.0.learning_iterations",
                "2.duty_cycle", "2.boost_strength");
        assertThat(Modules.namedBuffers(net).get("1.0.boost_strength").get(0)).isEqualTo((float) kw.boostStrength());
    }

    @Test
    void backwardMatchesFiniteDifferencesAndIsZeroAtLosers() {
        long seed = 506;
        SplittableRandom rng = new SplittableRandom(seed);
        KWinners kw = new KWinners(12, 0.25, KWinnersOptions.defaults().withBoost(1.5, 0.9));
        for (int u = 0; u < 12; u++) kw.dutyCycle().set(u, (float) rng.nextDouble(0, 0.5));
        float[] duty = kw.dutyCycle().data().clone(); // the forward updates them; the reference uses these
        Tensor x = randomTensor(rng, 3, 12);
        GradCheck.check("KWinners seed=" + seed, kw, x, true, seed, (xd, p) -> referenceTopK(xd, 12, 3, duty, 0.25, 1.5));
        Tensor ones = Tensor.zeros(3, 12);
        ones.fill(1f);
        kw.forward(x, GradCheck.context(true, seed));
        float[] dx = kw.backward(ones, GradCheck.context(true, seed)).data();
        boolean[] w = kw.winners();
        int winners = 0;
        for (int i = 0; i < dx.length; i++) {
            assertThat(dx[i]).as("gradient at %d, seed %d", i, seed).isEqualTo(w[i] ? 1f : 0f);
            if (w[i]) winners++;
        }
        assertThat(winners).isEqualTo(9);
    }

    /** Top k of x_i·exp((k/n − duty_i)·β) per sample of n, in double, by sorting. */
    private static double[] referenceTopK(double[] x, int n, int k, float[] duty, double target, double beta) {
        double[] y = new double[x.length];
        for (int s = 0; s < x.length / n; s++) {
            int off = s * n;
            Integer[] idx = new Integer[n];
            for (int i = 0; i < n; i++) idx[i] = i;
            Arrays.sort(idx, Comparator.comparingDouble(i -> -x[off + i] * Math.exp((target - duty[i]) * beta)));
            for (int j = 0; j < k; j++) y[off + idx[j]] = x[off + idx[j]];
        }
        return y;
    }

    @Test
    void local2dKeepsExactlyKChannelsAtEveryLocation() {
        long seed = 507;
        SplittableRandom rng = new SplittableRandom(seed);
        int c = 10, h = 3, w = 4, hw = h * w;
        KWinners2d kw = KWinners2d.local(c, 0.3, KWinnersOptions.defaults());
        Tensor x = randomTensor(rng, 2, c, h, w);
        float[] y = kw.forward(x, GradCheck.context(true, seed)).data();
        double[] wins = new double[c];
        for (int n = 0; n < 2; n++) {
            for (int p = 0; p < hw; p++) {
                float[] column = new float[c];
                for (int ch = 0; ch < c; ch++) column[ch] = x.get(n * c * hw + ch * hw + p);
                float third = sortedDescending(column, 0, c)[2];
                int count = 0;
                for (int ch = 0; ch < c; ch++) {
                    int i = n * c * hw + ch * hw + p;
                    assertThat(y[i]).as("n %d p %d ch %d, seed %d", n, p, ch, seed).isEqualTo(x.get(i) >= third ? x.get(i) : 0f);
                    if (y[i] != 0f) {
                        count++;
                        wins[ch]++;
                    }
                }
                assertThat(count).as("winners at location %d of sample %d", p, n).isEqualTo(3);
            }
        }
        // first batch: period = batch = 2, duty = wins / (H·W) / 2
        for (int ch = 0; ch < c; ch++) {
            assertThat((double) kw.dutyCycle().get(ch)).as("duty of channel %d", ch).isCloseTo(wins[ch] / hw / 2, within(1e-6));
        }
    }

    @Test
    void global2dKeepsExactlyKPerSampleAndBoostsPerChannel() {
        long seed = 508;
        SplittableRandom rng = new SplittableRandom(seed);
        KWinners2d kw = KWinners2d.global(4, 0.125, KWinnersOptions.defaults().withBoost(2, 0.9));
        Tensor x = randomTensor(rng, 3, 4, 4, 4);
        float[] y = kw.forward(x, GradCheck.context(true, seed)).data();
        for (int n = 0; n < 3; n++) {
            int count = 0;
            for (int i = n * 64; i < n * 64 + 64; i++) if (y[i] != 0f) count++;
            assertThat(count).as("winners of sample %d, seed %d", n, seed).isEqualTo(8);
        }
        // channel 0 always won: with a strong boost it now loses to equal values elsewhere
        KWinners2d b = KWinners2d.global(2, 0.25, KWinnersOptions.defaults().withBoost(2, 0.9));
        b.dutyCycle().set(0, 1f); // 3·e^{(0.25−1)·2} = 0.67 < 1·e^{0.25·2} = 1.65
        float[] v = {3, 3, 0, 0, 1, 1, 1, 0}; // 2 channels of 2x2
        assertThat(b.forward(Tensor.wrap(v, 1, 2, 2, 2), GradCheck.context(true, seed)).data())
                .containsExactly(0, 0, 0, 0, 1, 1, 0, 0);
    }

    @Test
    void local2dGradientMatchesFiniteDifferences() {
        long seed = 509;
        SplittableRandom rng = new SplittableRandom(seed);
        KWinners2d kw = KWinners2d.local(5, 0.4, NO_BOOST);
        Tensor x = randomTensor(rng, 2, 5, 2, 3);
        GradCheck.check("KWinners2d local seed=" + seed, kw, x, true, seed, (xd, p) -> {
            double[] y = new double[xd.length];
            for (int n = 0; n < 2; n++) {
                for (int q = 0; q < 6; q++) {
                    int base = n * 30 + q;
                    Integer[] idx = {0, 1, 2, 3, 4};
                    Arrays.sort(idx, Comparator.comparingDouble(ch -> -xd[base + ch * 6]));
                    for (int j = 0; j < 2; j++) y[base + idx[j] * 6] = xd[base + idx[j] * 6];
                }
            }
            return y;
        });
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        long seed = 510;
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = randomTensor(rng, 64, 300);
        KWinners a = new KWinners(300, 0.1);
        KWinners b = new KWinners(300, 0.1);
        float[] serial = a.forward(x, GradCheck.context(true, seed)).data().clone();
        try (ComputePool pool = ComputePool.ofThreads(2)) {
            ExecutionContext ctx = new ExecutionContext(Backend.get().kernels(), pool, seed).training(true);
            assertThat(b.forward(x, ctx).data()).isEqualTo(serial);
            assertThat(b.dutyCycle().data()).isEqualTo(a.dutyCycle().data());
        }
    }

    @Test
    void topKMatchesSortingIncludingDuplicates() {
        long seed = 511;
        SplittableRandom rng = new SplittableRandom(seed);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + rng.nextInt(60);
            float[] a = new float[n + 3];
            for (int i = 0; i < a.length; i++) a[i] = rng.nextInt(trial % 2 == 0 ? 5 : 1000);
            float[] sorted = sortedDescending(a, 2, n);
            int k = 1 + rng.nextInt(n);
            assertThat(dev.sparrow.kernel.TopK.kthLargest(a.clone(), 2, n, k)).as("trial %d n %d k %d, seed %d", trial, n, k, seed).isEqualTo(sorted[k - 1]);
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new KWinners(0, 0.1)).hasMessageContaining("units");
        assertThatThrownBy(() -> new KWinners(10, 0)).hasMessageContaining("density");
        assertThatThrownBy(() -> new KWinners(10, 1.5)).hasMessageContaining("density");
        assertThatThrownBy(() -> new KWinnersOptions(1.5, 1, 1.2, 1000)).hasMessageContaining("boostStrengthFactor");
        assertThatThrownBy(() -> new KWinnersOptions(1.5, 1, 0.9, 0)).hasMessageContaining("dutyCyclePeriod");
        KWinners kw = new KWinners(10, 0.1);
        assertThatThrownBy(() -> kw.forward(Tensor.zeros(2, 11), GradCheck.context(true, 1))).hasMessageContaining("[2, 11]");
        assertThatThrownBy(() -> KWinners2d.local(3, 0.5, KWinnersOptions.defaults()).forward(Tensor.zeros(2, 4, 2, 2),
                GradCheck.context(true, 1))).hasMessageContaining("[2, 4, 2, 2]");
        assertThatThrownBy(() -> kw.backward(Tensor.zeros(2, 10), GradCheck.context(true, 1))).hasMessageContaining("before forward");
    }

    private static float[] sortedDescending(float[] a, int from, int n) {
        float[] s = Arrays.copyOfRange(a, from, from + n);
        Arrays.sort(s);
        for (int i = 0; i < n / 2; i++) {
            float t = s[i];
            s[i] = s[n - 1 - i];
            s[n - 1 - i] = t;
        }
        return s;
    }
}
