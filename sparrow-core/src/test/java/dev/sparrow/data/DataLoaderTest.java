package dev.sparrow.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DataLoaderTest {

    /** n samples of 1 x 2 x 2 whose first two pixels encode the sample index; label = index % 10. */
    private static Dataset indexed(int n) {
        byte[] px = new byte[n * 4];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            px[4 * i] = (byte) (i & 0xff);
            px[4 * i + 1] = (byte) (i >>> 8);
            px[4 * i + 2] = (byte) 255;
            labels[i] = i % 10;
        }
        return Dataset.of("indexed", px, labels, 1, 2, 2, 10);
    }

    private static int sampleIndex(float[] x, int j) {
        return Math.round(x[4 * j] * 255f) + 256 * Math.round(x[4 * j + 1] * 255f);
    }

    /** Every batch of one epoch, copied: per batch the sample indices then the labels. */
    private static List<int[]> epochIndices(DataLoader loader, int epoch) {
        List<int[]> out = new ArrayList<>();
        for (Batch b : loader.epoch(epoch)) {
            int[] idx = new int[b.count()];
            for (int j = 0; j < b.count(); j++) idx[j] = sampleIndex(b.x().data(), j);
            out.add(idx);
            out.add(b.labels().clone());
        }
        return out;
    }

    private static List<float[]> epochValues(DataLoader loader, int epoch) {
        List<float[]> out = new ArrayList<>();
        for (Batch b : loader.epoch(epoch)) {
            out.add(b.x().data().clone());
            float[] labels = new float[b.count()];
            for (int j = 0; j < b.count(); j++) labels[j] = b.labels()[j];
            out.add(labels);
        }
        return out;
    }

    @ParameterizedTest(name = "prefetch={0}")
    @ValueSource(booleans = {false, true})
    void everySampleExactlyOncePerEpochWithMatchingLabels(boolean prefetch) {
        int n = 103;
        try (DataLoader loader = DataLoader.builder(indexed(n), 10).seed(5).prefetch(prefetch).build()) {
            assertThat(loader.batchesPerEpoch()).isEqualTo(11);
            for (int epoch = 0; epoch < 3; epoch++) {
                List<Integer> seen = new ArrayList<>();
                List<int[]> batches = epochIndices(loader, epoch);
                for (int k = 0; k < batches.size(); k += 2) {
                    int[] idx = batches.get(k);
                    int[] labels = batches.get(k + 1);
                    for (int j = 0; j < idx.length; j++) {
                        seen.add(idx[j]);
                        assertThat(labels[j]).as("seed 5 epoch %d label of sample %d", epoch, idx[j]).isEqualTo(idx[j] % 10);
                    }
                }
                assertThat(seen).as("seed 5 epoch %d", epoch).hasSize(n).doesNotHaveDuplicates();
                List<Integer> sorted = new ArrayList<>(seen);
                Collections.sort(sorted);
                assertThat(sorted.get(0)).isZero();
                assertThat(sorted.get(n - 1)).isEqualTo(n - 1);
                assertThat(seen).as("shuffled").isNotEqualTo(sorted);
            }
        }
    }

    @Test
    void withoutShuffleTheOrderIsTheDatasetOrder() {
        try (DataLoader loader = DataLoader.builder(indexed(25), 10).shuffle(false).build()) {
            List<int[]> b = epochIndices(loader, 4);
            assertThat(b.get(0)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
            assertThat(b.get(4)).containsExactly(20, 21, 22, 23, 24);
        }
    }

    @Test
    void sameSeedAndEpochGiveTheSameBatchesAndAnyEpochIsReproducibleAlone() {
        Dataset d = indexed(200);
        try (DataLoader a = DataLoader.builder(d, 16).seed(42).build();
             DataLoader b = DataLoader.builder(d, 16).seed(42).build();
             DataLoader c = DataLoader.builder(d, 16).seed(43).build()) {
            List<int[]> a0 = epochIndices(a, 0);
            List<int[]> a1 = epochIndices(a, 1);
            List<int[]> a2 = epochIndices(a, 2);
            assertThat(epochIndices(b, 2)).as("epoch 2 alone, seed 42").containsExactlyElementsOf(a2);
            assertThat(epochIndices(b, 0)).as("epoch 0 after epoch 2, seed 42").containsExactlyElementsOf(a0);
            assertThat(flatten(a1)).as("epochs differ").isNotEqualTo(flatten(a0));
            assertThat(flatten(epochIndices(c, 0))).as("seeds differ").isNotEqualTo(flatten(a0));
        }
    }

    private static List<Integer> flatten(List<int[]> arrays) {
        List<Integer> out = new ArrayList<>();
        for (int[] a : arrays) for (int v : a) out.add(v);
        return out;
    }

    @Test
    void lastPartialBatchIsKeptOrDropped() {
        Dataset d = indexed(103);
        try (DataLoader keep = DataLoader.builder(d, 10).build();
             DataLoader drop = DataLoader.builder(d, 10).dropLast(true).build()) {
            List<Integer> counts = new ArrayList<>();
            Batch last = null;
            for (Batch b : keep.epoch(0)) {
                counts.add(b.count());
                last = b;
            }
            assertThat(counts).containsExactly(10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3);
            assertThat(last.x().shape()).containsExactly(3, 1, 2, 2);
            assertThat(last.labels()).hasSize(3);
            assertThat(last.index()).isEqualTo(10);
            assertThat(keep.samplesPerEpoch()).isEqualTo(103);

            assertThat(drop.batchesPerEpoch()).isEqualTo(10);
            assertThat(drop.samplesPerEpoch()).isEqualTo(100);
            int batches = 0;
            for (Batch b : drop.epoch(0)) {
                assertThat(b.x().shape()).containsExactly(10, 1, 2, 2);
                batches++;
            }
            assertThat(batches).isEqualTo(10);
        }
        assertThatThrownBy(() -> DataLoader.builder(indexed(5), 8).dropLast(true).build())
                .hasMessageContaining("indexed has 5 samples, fewer than one batch of 8");
    }

    @Test
    void normalisationMapsPixelsThroughMeanAndStd() {
        byte[] px = {0, (byte) 51, (byte) 255, (byte) 128};
        Dataset d = Dataset.of("four", px, new int[] {0}, 1, 2, 2, 1);
        try (DataLoader plain = DataLoader.builder(d, 1).build();
             DataLoader half = DataLoader.builder(d, 1).normalize(0.5f, 0.5f).build();
             DataLoader fashion = DataLoader.builder(d, 1).normalize(FashionMnist.MEAN, FashionMnist.STD).build()) {
            assertThat(plain.epoch(0).next().x().data()).containsExactly(0f, 0.2f, 1f, 128 / 255f);
            float[] h = half.epoch(0).next().x().data();
            assertThat(h[0]).isEqualTo(-1f);
            assertThat(h[1]).isEqualTo((0.2f - 0.5f) / 0.5f);
            assertThat(h[2]).isEqualTo(1f);
            float[] f = fashion.epoch(0).next().x().data();
            assertThat(f[0]).isEqualTo(-0.2860f / 0.3530f);
            assertThat(f[2]).isEqualTo((1f - 0.2860f) / 0.3530f);
        }
        assertThatThrownBy(() -> DataLoader.builder(d, 1).normalize(0f, 0f)).hasMessageContaining("std must be finite and > 0");
    }

    /** 3 x 3 image 1..9 with identity lut (value = raw byte) for reading crops. */
    private static final byte[] NINE = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    private static final float[][] RAW = rawLut();

    private static float[][] rawLut() {
        float[][] lut = new float[1][256];
        for (int v = 0; v < 256; v++) lut[0][v] = v;
        return lut;
    }

    private static float[] crop(int padding, int dy, int dx, boolean flip) {
        float[] out = new float[9];
        SampleTransform.writeSample(NINE, 0, 1, 3, 3, RAW, padding, dy, dx, flip, out, 0);
        return out;
    }

    @Test
    void cropAndFlipMoveKnownPixelsToKnownPlaces() {
        assertThat(crop(1, 1, 1, false)).as("centre crop").containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(crop(1, 0, 0, false)).as("shifted down-right").containsExactly(0, 0, 0, 0, 1, 2, 0, 4, 5);
        assertThat(crop(1, 2, 2, false)).as("shifted up-left").containsExactly(5, 6, 0, 8, 9, 0, 0, 0, 0);
        assertThat(crop(1, 0, 2, false)).containsExactly(0, 0, 0, 2, 3, 0, 5, 6, 0);
        assertThat(crop(0, 0, 0, true)).as("flip").containsExactly(3, 2, 1, 6, 5, 4, 9, 8, 7);
        assertThat(crop(1, 0, 0, true)).as("crop then flip").containsExactly(0, 0, 0, 2, 1, 0, 5, 4, 0);
        assertThat(crop(2, 0, 4, false)).containsExactly(0, 0, 0, 0, 0, 0, 3, 0, 0);
    }

    @Test
    void augmentationDrawsEveryCropAndFlipAndOnlyThose() {
        Dataset d = Dataset.of("nine", NINE.clone(), new int[] {0}, 1, 3, 3, 1);
        Set<String> allowed = new HashSet<>();
        for (int dy = 0; dy <= 2; dy++) {
            for (int dx = 0; dx <= 2; dx++) {
                for (boolean flip : new boolean[] {false, true}) {
                    float[] c = crop(1, dy, dx, flip);
                    for (int i = 0; i < 9; i++) c[i] /= 255f;
                    allowed.add(Arrays.toString(c));
                }
            }
        }
        assertThat(allowed).hasSize(18);
        Set<String> seen = new HashSet<>();
        try (DataLoader loader = DataLoader.builder(d, 1).seed(3).randomCrop(1).horizontalFlip(true).build()) {
            for (int epoch = 0; epoch < 400; epoch++) {
                String s = Arrays.toString(loader.epoch(epoch).next().x().data());
                assertThat(allowed).as("seed 3 epoch %d gave %s", epoch, s).contains(s);
                seen.add(s);
            }
        }
        assertThat(seen).as("seed 3: all 18 augmentations drawn in 400 epochs").hasSize(18);
    }

    @Test
    void prefetchOnAndOffGiveIdenticalBatchesWithAugmentation() {
        byte[] px = new byte[57 * 3 * 5 * 4];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 31 + 7);
        int[] labels = new int[57];
        for (int i = 0; i < 57; i++) labels[i] = i % 4;
        Dataset d = Dataset.of("rgb", px, labels, 3, 5, 4, 4);
        float[] mean = {0.1f, 0.2f, 0.3f};
        float[] std = {0.5f, 0.6f, 0.7f};
        try (DataLoader on = DataLoader.builder(d, 8).seed(9).normalize(mean, std).randomCrop(2).horizontalFlip(true).prefetch(true).build();
             DataLoader off = DataLoader.builder(d, 8).seed(9).normalize(mean, std).randomCrop(2).horizontalFlip(true).prefetch(false).build()) {
            for (int epoch = 0; epoch < 4; epoch++) {
                List<float[]> a = epochValues(on, epoch);
                List<float[]> b = epochValues(off, epoch);
                assertThat(a).hasSize(16);
                for (int k = 0; k < a.size(); k++) {
                    assertThat(a.get(k)).as("seed 9 epoch %d item %d", epoch, k).isEqualTo(b.get(k));
                }
            }
        }
    }

    @Test
    void batchesAreRecycledFromASmallRing() {
        Set<Batch> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        try (DataLoader loader = DataLoader.builder(indexed(1000), 10).build()) {
            for (int epoch = 0; epoch < 3; epoch++) for (Batch b : loader.epoch(epoch)) distinct.add(b);
        }
        assertThat(distinct).hasSizeLessThanOrEqualTo(DataLoader.PREFETCH_DEPTH + 2);
    }

    @ParameterizedTest(name = "prefetch={0}")
    @ValueSource(booleans = {false, true})
    void producerExceptionReachesTheConsumerAtThatBatch(boolean prefetch) {
        RuntimeException boom = new IllegalArgumentException("boom at batch 3");
        DataLoader loader = DataLoader.builder(indexed(100), 10).prefetch(prefetch)
                .beforeBatch(b -> {
                    if (b == 3) throw boom;
                }).build();
        try (loader) {
            DataLoader.Epoch epoch = loader.epoch(0);
            for (int b = 0; b < 3; b++) assertThat(epoch.next().index()).isEqualTo(b);
            assertThatThrownBy(epoch::next)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("data loader failed preparing batch 3 of epoch 0 of indexed: " + boom)
                    .hasCause(boom);
            // The loader recovers for the next epoch up to the failing batch again.
            assertThat(loader.epoch(1).next().index()).isZero();
        }
        assertThat(liveThreads(loader)).isEmpty();
    }

    @Test
    void closeAndAbandonedEpochsLeaveNoThreads() throws InterruptedException {
        DataLoader loader = DataLoader.builder(indexed(1000), 10).build();
        DataLoader.Epoch first = loader.epoch(0);
        first.next();
        Thread.sleep(20); // let the producer fill the queue and block
        DataLoader.Epoch second = loader.epoch(1); // abandons epoch 0 mid-way
        assertThatThrownBy(first::next).hasMessage("epoch 0 was abandoned when epoch 1 started");
        assertThat(second.next().epoch()).isEqualTo(1);
        assertThat(liveThreads(loader)).hasSizeLessThanOrEqualTo(1);
        loader.close();
        assertThat(liveThreads(loader)).isEmpty();
        assertThatThrownBy(second::next).hasMessage("data loader is closed");
        assertThatThrownBy(() -> loader.epoch(2)).hasMessage("data loader is closed");
        loader.close(); // idempotent
    }

    private static List<Thread> liveThreads(DataLoader loader) {
        List<Thread> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(loader.threadName() + "-") && t.isAlive()) out.add(t);
        }
        return out;
    }

    @Test
    void argumentsAreChecked() {
        Dataset d = indexed(10);
        assertThatThrownBy(() -> DataLoader.builder(d, 0)).hasMessage("batchSize must be >= 1, got 0");
        assertThatThrownBy(() -> DataLoader.builder(d, 1).randomCrop(-1)).hasMessageContaining("crop padding must be >= 0");
        assertThatThrownBy(() -> DataLoader.builder(d, 1).normalize(new float[] {0, 0}, new float[] {1}))
                .hasMessageContaining("mean and std need 1 or 1 (channels) values");
        try (DataLoader loader = DataLoader.builder(d, 4).build()) {
            assertThatThrownBy(() -> loader.epoch(-1)).hasMessage("epoch must be >= 0, got -1");
            DataLoader.Epoch e = loader.epoch(0);
            e.next();
            e.next();
            e.next();
            assertThat(e.hasNext()).isFalse();
            assertThatThrownBy(e::next).hasMessage("epoch 0 has only 3 batches");
        }
    }

    /** n examples of three features (i, 2i, 3i), label i % 4: data that are not images. */
    private record Rows(int size) implements Dataset {
        @Override public String name() { return "rows"; }
        @Override public int[] sampleShape() { return new int[] {3}; }
        @Override public int classes() { return 4; }
        @Override public int label(int example) { return example % 4; }
        @Override public void copyExample(int example, float[] dst, int offset) {
            for (int f = 0; f < 3; f++) dst[offset + f] = example * (f + 1);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void nonImageDataGoThroughTheSameOrderAndNormalisation(boolean prefetch) {
        Rows rows = new Rows(23);
        try (DataLoader loader = DataLoader.builder(rows, 5).seed(3).normalize(1f, 2f).prefetch(prefetch).build();
             DataLoader images = DataLoader.builder(indexed(23), 5).seed(3).prefetch(false).build()) {
            Set<Integer> seen = new HashSet<>();
            DataLoader.Epoch imageEpoch = images.epoch(2);
            for (Batch b : loader.epoch(2)) {
                Batch sameOrder = imageEpoch.next();
                assertThat(b.x().shape()).containsExactly(b.count(), 3);
                for (int j = 0; j < b.count(); j++) {
                    int example = Math.round(b.x().get(j * 3) * 2f + 1f);
                    assertThat(seen.add(example)).as("example %d once", example).isTrue();
                    assertThat(b.labels()[j]).isEqualTo(example % 4);
                    assertThat(example).as("the order images get from the same seed").isEqualTo(sampleIndex(sameOrder.x().data(), j));
                    for (int f = 0; f < 3; f++) assertThat(b.x().get(j * 3 + f)).isEqualTo((example * (f + 1) - 1f) / 2f);
                }
            }
            assertThat(seen).hasSize(23);
        }
        assertThatThrownBy(() -> DataLoader.builder(rows, 5).randomCrop(2)).hasMessageContaining("needs images");
        assertThatThrownBy(() -> DataLoader.builder(rows, 5).normalize(new float[] {0, 0}, new float[] {1, 1}))
                .hasMessageContaining("1 or 3 (features) values");
    }

    @Test
    void featureDataMayBeNormalisedPerFeature() {
        Rows rows = new Rows(7);
        float[] mean = {1f, 2f, 3f};
        float[] std = {2f, 4f, 8f};
        try (DataLoader loader = DataLoader.builder(rows, 7).shuffle(false).prefetch(false).normalize(mean, std).build()) {
            Batch b = loader.epoch(0).next();
            for (int j = 0; j < 7; j++) {
                for (int f = 0; f < 3; f++) {
                    // Rows holds example * (f + 1) in feature f
                    assertThat(b.x().get(j * 3 + f)).isEqualTo((j * (f + 1) - mean[f]) / std[f]);
                }
            }
        }
    }
}
