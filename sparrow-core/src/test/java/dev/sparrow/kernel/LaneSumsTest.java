package dev.sparrow.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class LaneSumsTest {
    /** The tree order written out in scalar code: lane i + lane (i ^ h), halving h. */
    private static float treeSum(float[] lanes) {
        float[] v = lanes.clone();
        for (int h = v.length / 2; h >= 1; h /= 2) {
            float[] next = new float[v.length];
            for (int i = 0; i < v.length; i++) next[i] = v[i] + v[i ^ h];
            v = next;
        }
        return v[0];
    }

    @Test
    void everyWidthSumsInTheFixedTreeOrder() {
        long seed = 77;
        SplittableRandom rng = new SplittableRandom(seed);
        for (VectorSpecies<Float> species : java.util.List.of(FloatVector.SPECIES_128, FloatVector.SPECIES_256,
                FloatVector.SPECIES_512)) {
            for (int trial = 0; trial < 200; trial++) {
                float[] lanes = new float[species.length()];
                // magnitudes far apart, so that another order would give other bits
                for (int i = 0; i < lanes.length; i++) lanes[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(-4, 5)));
                float got = LaneSums.sum(FloatVector.fromArray(species, lanes, 0));
                assertThat(got).as("%s trial %d, seed %d", species, trial, seed).isEqualTo(treeSum(lanes));
            }
            assertThat(LaneSums.sum(FloatVector.zero(species))).isEqualTo(0f);
        }
    }

    @Test
    void dotGivesTheSameBitsBeforeAndAfterTheJitCompiledIt() {
        long seed = 78;
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 203;
        float[] a = new float[n], b = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(-3, 4)));
            b[i] = (float) rng.nextGaussian();
        }
        Kernels k = Backend.get().kernels();
        float first = k.dot(n, a, 0, b, 0), firstSum = k.sum(n, a, 0);
        float last = 0, lastSum = 0;
        for (int i = 0; i < 30_000; i++) {
            last = k.dot(n, a, 0, b, 0);
            lastSum = k.sum(n, a, 0);
        }
        assertThat(last).as("%s dot, seed %d", k.name(), seed).isEqualTo(first);
        assertThat(lastSum).as("%s sum, seed %d", k.name(), seed).isEqualTo(firstSum);
    }
}
