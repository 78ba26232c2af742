package dev.sparrow.infer;

import dev.sparrow.infer.InferenceTestModels.MaskKind;
import dev.sparrow.io.Checkpoint;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.tensor.Tensor;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.sparrow.infer.InferenceTestModels.assertClose;
import static dev.sparrow.infer.InferenceTestModels.mlp;
import static dev.sparrow.infer.InferenceTestModels.randomBatch;
import static dev.sparrow.infer.InferenceTestModels.reference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InferenceSessionTest {
    private static final int IN = 64;
    private static final int[] HIDDEN = {128, 48};
    private static final int CLASSES = 16;
    private static final int[] BATCHES = {1, 7, 64};

    /** Predicts every batch size in BATCHES through predict(Tensor) and compares with the model's forward. */
    private static void assertMatchesModel(Layer model, InferenceSession s, long seed, String what) {
        for (int batch : BATCHES) {
            if (batch > s.maxBatch()) continue;
            Tensor x = randomBatch(seed + batch, batch, s.sampleShape());
            Tensor want = reference(model, x);
            Tensor got = s.predict(x);
            assertThat(got.shape()).isEqualTo(new int[] {batch, s.outputSize()});
            assertClose(got.data(), want.data(), want.size(), what + " batch " + batch + " seed " + seed);
        }
    }

    @Test
    void denseMlpMatchesModelForward_seed1() {
        Sequential m = mlp(1, IN, HIDDEN, CLASSES, MaskKind.DENSE, 0);
        try (InferenceSession s = InferenceSession.builder(m, IN).batchSize(64).tuningBudgetMillis(5).build()) {
            assertMatchesModel(m, s, 1, "dense mlp\n" + s.describe());
            assertThat(s.choices()).hasSize(3);
        }
    }

    @Test
    void sparseMlpsMatchAtEveryBatchWithTuning_seed2() {
        for (MaskKind kind : List.of(MaskKind.UNSTRUCTURED, MaskKind.FAN_IN)) {
            Sequential m = mlp(2, IN, HIDDEN, CLASSES, kind, 0.9);
            for (int sessionBatch : new int[] {1, 7, 64}) {
                try (InferenceSession s = InferenceSession.builder(m, IN).batchSize(sessionBatch)
                        .tuningBudgetMillis(5).build()) {
                    assertMatchesModel(m, s, 2, kind + " session batch " + sessionBatch + "\n" + s.describe());
                    for (InferenceSession.LayerChoice c : s.choices()) {
                        assertThat(c.candidateMicros()).containsKey(c.format()).containsKey("dense");
                        assertThat(c.micros()).isPositive();
                    }
                }
            }
        }
    }

    @Test
    void everyCandidateFormatMatchesWhenForced_seed3() {
        Set<String> tested = new LinkedHashSet<>();
        for (MaskKind kind : List.of(MaskKind.UNSTRUCTURED, MaskKind.FAN_IN, MaskKind.NM1_8, MaskKind.BLOCK16)) {
            Sequential m = mlp(3, IN, HIDDEN, CLASSES, kind, 0.9);
            for (String spec : InferenceSession.Builder.defaultCandidates()) {
                InferenceSession s;
                try {
                    s = InferenceSession.builder(m, IN).batchSize(64).formatAll(spec).build();
                } catch (IllegalArgumentException e) {
                    assertThat(e).hasMessageContaining("cannot use format '" + spec + "'");
                    continue; // this mask does not fit this format
                }
                try (s) {
                    assertThat(s.choices()).allSatisfy(c -> assertThat(c.format()).isEqualTo(spec));
                    assertMatchesModel(m, s, 3, kind + " forced " + spec);
                    tested.add(spec);
                }
            }
        }
        assertThat(tested).containsExactlyInAnyOrderElementsOf(InferenceSession.Builder.defaultCandidates());
    }

    /** Told the masks are 1:8, the planner tries only the formats that hold every 1:8 mask. */
    @Test
    void aDeclaredStructureNarrowsTheCandidates_seed9() {
        Sequential m = mlp(9, IN, HIDDEN, CLASSES, MaskKind.NM1_8, 0.9);
        try (InferenceSession s = InferenceSession.builder(m, IN).batchSize(7).tuningBudgetMillis(5)
                .structure(new dev.sparrow.sparse.Structure.NOfM(1, 8)).build()) {
            assertMatchesModel(m, s, 9, "nm1:8 declared");
            InferenceSession.LayerChoice hidden = s.choices().get(0);
            assertThat(hidden.candidateMicros().keySet()).contains("dense", "csr", "csc", "nm1:8", "nm2:16")
                    .doesNotContain("condensed", "block4", "block16", "nm2:4", "bank16");
        }
    }

    @Test
    void forcingOneLayerKeepsTuningForTheOthers_seed4() {
        Sequential m = mlp(4, IN, HIDDEN, CLASSES, MaskKind.FAN_IN, 0.9);
        try (InferenceSession s = InferenceSession.builder(m, IN).batchSize(7).format("3", "condensed")
                .tuningBudgetMillis(5).build()) {
            assertThat(s.choices().stream().map(InferenceSession.LayerChoice::layer).toList())
                    .containsExactly("1", "3", "5");
            assertThat(s.choices().get(1).format()).isEqualTo("condensed");
            assertThat(s.choices().get(0).candidateMicros()).isNotEmpty();
            assertMatchesModel(m, s, 4, "mixed");
        }
        assertThatThrownBy(() -> InferenceSession.builder(m, IN).format("9", "csr").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'9'");
    }

    @Test
    void tuningResultsAreCached_seed5() {
        Sequential m = mlp(5, IN, HIDDEN, CLASSES, MaskKind.UNSTRUCTURED, 0.9);
        try (InferenceSession first = InferenceSession.builder(m, IN).batchSize(3).tuningBudgetMillis(5).build();
             InferenceSession second = InferenceSession.builder(m, IN).batchSize(3).tuningBudgetMillis(5).build()) {
            for (int i = 0; i < 3; i++) {
                assertThat(second.choices().get(i).cached()).isTrue();
                assertThat(second.choices().get(i).format()).isEqualTo(first.choices().get(i).format());
            }
        }
    }

    @Test
    void cnnFallbackPathMatches_seed6() {
        SplittableRandom rng = new SplittableRandom(6);
        int[] chw = {1, 12, 12};
        Sequential m = ModelZoo.cnn(chw, 10, rng);
        InferenceTestModels.randomizeBiases(m, rng);
        for (Map.Entry<String, Tensor> e : Modules.namedBuffers(m).entrySet()) {
            float[] d = e.getValue().data(); // non-trivial running statistics, so eval mode matters
            for (int i = 0; i < d.length; i++) d[i] = e.getKey().endsWith("var") ? (float) rng.nextDouble(0.5, 2) : (float) rng.nextDouble(-0.2, 0.2);
        }
        InferenceTestModels.maskLinears(m, MaskKind.UNSTRUCTURED, 0.9, rng);
        try (InferenceSession s = InferenceSession.builder(m, chw).batchSize(7).tuningBudgetMillis(5).build()) {
            assertThat(s.describe()).doesNotContain("own forward"); // every layer is lowered into the graph plan now
            assertMatchesModel(m, s, 6, "cnn\n" + s.describe());
        }
        Sequential lenet = ModelZoo.lenet5(new int[] {1, 16, 16}, 10, new SplittableRandom(7));
        try (InferenceSession s = InferenceSession.builder(lenet, 1, 16, 16).batchSize(64).formatAll("csr").build()) {
            assertMatchesModel(lenet, s, 7, "lenet5");
        }
    }

    @Test
    void concurrentPredictFromFourThreadsIsCorrect_seed8() throws Exception {
        Sequential m = mlp(8, IN, HIDDEN, CLASSES, MaskKind.UNSTRUCTURED, 0.9);
        Tensor x = randomBatch(8, 40, IN);
        Tensor want = reference(m, x);
        try (InferenceSession s = InferenceSession.builder(m, IN).batchSize(8).contexts(2).threads(2)
                .tuningBudgetMillis(5).build()) {
            ExecutorService ex = Executors.newFixedThreadPool(4);
            try {
                List<Future<Integer>> fs = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    final int thread = t;
                    fs.add(ex.submit(() -> {
                        float[] sample = new float[IN];
                        float[] out = new float[CLASSES];
                        int checked = 0;
                        for (int rep = 0; rep < 25; rep++) {
                            int i = (thread * 7 + rep * 3) % 40;
                            System.arraycopy(x.data(), i * IN, sample, 0, IN);
                            s.predict(sample, out);
                            assertClose(out, Arrays.copyOfRange(want.data(), i * CLASSES, (i + 1) * CLASSES),
                                    CLASSES, "thread " + thread + " sample " + i);
                            int b0 = (thread + rep) % 32;
                            float[] outB = new float[5 * CLASSES];
                            s.predictBatch(Arrays.copyOfRange(x.data(), b0 * IN, (b0 + 5) * IN), 5, outB);
                            assertClose(outB, Arrays.copyOfRange(want.data(), b0 * CLASSES, (b0 + 5) * CLASSES),
                                    5 * CLASSES, "thread " + thread + " batch at " + b0);
                            checked += 2;
                        }
                        return checked;
                    }));
                }
                int total = 0;
                for (Future<Integer> f : fs) total += f.get();
                assertThat(total).isEqualTo(200);
            } finally {
                ex.shutdownNow();
            }
        }
    }

    /**
     * Bytes allocated per 200 predicts on the calling thread and on the pool's workers, once warm (see
     * {@link #allocated}), at batch 1 (gemv) and batch 16 (spmm), 1 and 2 threads: the session, the pool,
     * the formats' work splitting and the dense kernels must allocate nothing. The sparse kernels here are
     * the scalar ones; {@link #vectorSparseKernelsAllocateNothing_seed13} holds the Vector API ones to the same.
     */
    @Test
    void predictAllocatesNothingInSteadyState_seed9() {
        Sequential fanIn = mlp(9, IN, HIDDEN, CLASSES, MaskKind.FAN_IN, 0.9);
        Sequential blocks = mlp(9, IN, HIDDEN, CLASSES, MaskKind.BLOCK16, 0.9);
        Sequential nm = mlp(9, IN, HIDDEN, CLASSES, MaskKind.NM1_8, 0.9);
        for (int threads : new int[] {1, 2}) {
            for (String spec : List.of("dense", "csr", "condensed", "block4", "block16", "nm1:8", "csc", "tuned")) {
                Sequential m = spec.startsWith("block") ? blocks : spec.startsWith("nm") ? nm : fanIn;
                long[][] bytes = measure(m, spec, threads, dev.sparrow.sparse.SparseKernels.of(dev.sparrow.kernel.Backend.scalar()));
                assertThat(bytes[0]).as("bytes (caller, workers) allocated by 200 predicts of 1, %s, %d threads",
                        spec, threads).containsExactly(0L, 0L);
                assertThat(bytes[1]).as("bytes (caller, workers) allocated by 200 predicts of 16, %s, %d threads",
                        spec, threads).containsExactly(0L, 0L);
            }
        }
    }

    /** The same with the Vector API sparse kernels, every format they implement. */
    @Test
    void vectorSparseKernelsAllocateNothing_seed13() {
        Sequential fanIn = mlp(13, IN, HIDDEN, CLASSES, MaskKind.FAN_IN, 0.9);
        Sequential blocks = mlp(13, IN, HIDDEN, CLASSES, MaskKind.BLOCK16, 0.9);
        Sequential nm = mlp(13, IN, HIDDEN, CLASSES, MaskKind.NM1_8, 0.9);
        dev.sparrow.sparse.SparseKernels vector = dev.sparrow.sparse.SparseKernels.of(dev.sparrow.kernel.Backend.get());
        for (String spec : List.of("dense", "csr", "condensed", "block4", "block16", "nm1:8", "csc")) {
            Sequential m = spec.startsWith("block") ? blocks : spec.startsWith("nm") ? nm : fanIn;
            long[][] bytes = measure(m, spec, 2, vector);
            assertThat(bytes).as("bytes {{caller, workers} batch 1, {caller, workers} batch 16} per 200 predicts of a "
                            + "warm session (waited up to %d s for allocation-free calls), %s, %s kernels",
                            java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(COMPILE_WAIT_NANOS), spec, vector.name())
                    .isDeepEqualTo(new long[][] {{0, 0}, {0, 0}});
        }
    }

    /** {{caller, workers} at batch 1, {caller, workers} at batch 16}, printed; checks the outputs afterwards. */
    private static long[][] measure(Sequential m, String spec, int threads, dev.sparrow.sparse.SparseKernels sparse) {
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        assertThat(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled()).isTrue();
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        InferenceSession.Builder b = InferenceSession.builder(m, IN).batchSize(16).threads(threads)
                .kernels(dev.sparrow.kernel.Backend.get().kernels(), sparse);
        b = spec.equals("tuned") ? b.tuningBudgetMillis(2) : b.formatAll(spec);
        try (InferenceSession s = b.build()) {
            // the pool's workers: the threads the session started
            long[] workers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> !before.contains(t) && t.getName().startsWith("sparrow-pool-"))
                    .mapToLong(Thread::threadId).toArray();
            assertThat(workers).hasSize(threads - 1);
            Tensor x = randomBatch(9, 16, IN);
            float[] out1 = new float[CLASSES];
            float[] outB = new float[16 * CLASSES];
            float[] sample = Arrays.copyOf(x.data(), IN);
            long[] gemv = allocated(mx, workers, () -> s.predict(sample, out1));
            long[] spmm = allocated(mx, workers, () -> s.predictBatch(x.data(), 16, outB));
            System.out.printf("allocation: %s, %s sparse kernels, %d thread(s), per 200 predicts: batch 1 caller %d "
                    + "workers %d, batch 16 caller %d workers %d bytes%n", spec, sparse.name(), threads, gemv[0], gemv[1],
                    spmm[0], spmm[1]);
            assertMatchesModel(m, s, 9, spec + " after the allocation check");
            return new long[][] {gemv, spmm};
        }
    }

    /** How long a kernel may take to reach allocation-free (C2-compiled) code: generous for a busy 2-core CI. */
    private static final long COMPILE_WAIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(90);

    /**
     * {caller, workers} bytes allocated by 200 calls once they allocate nothing, or by the last 200 when
     * {@link #COMPILE_WAIT_NANOS} runs out. Code that C2 has not compiled yet (interpreted, C1, or
     * recompiling after a deoptimisation) boxes its vectors, and on a busy machine the compile queue can
     * be long: so this waits for the condition itself, with a bound, instead of for a fixed count of calls.
     * A kernel that still allocates at the bound boxes in compiled code too, and the caller's assertion
     * fails with these bytes.
     */
    private static long[] allocated(com.sun.management.ThreadMXBean mx, long[] workers, Runnable call) {
        for (int i = 0; i < 3000; i++) call.run();
        long tid = Thread.currentThread().threadId();
        long deadline = System.nanoTime() + COMPILE_WAIT_NANOS;
        while (true) {
            // the workers' reading allocates its result array: outside the caller's interval
            long workers0 = sum(mx.getThreadAllocatedBytes(workers));
            long caller0 = mx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 200; i++) call.run();
            long caller = mx.getThreadAllocatedBytes(tid) - caller0;
            long worker = sum(mx.getThreadAllocatedBytes(workers)) - workers0;
            if (caller + worker == 0 || System.nanoTime() - deadline > 0) return new long[] {caller, worker};
            for (int i = 0; i < 1000; i++) call.run();
        }
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) s += v;
        return s;
    }

    @Test
    void sessionMachineryAllocatesNothing_seed12() {
        Sequential m = new Sequential(new dev.sparrow.nn.layers.Flatten(), new dev.sparrow.nn.layers.ReLU(),
                new dev.sparrow.nn.layers.Dropout(0.5), new dev.sparrow.nn.layers.ReLU());
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (InferenceSession s = InferenceSession.builder(m, 4, 8).batchSize(16).build()) {
            Tensor x = randomBatch(12, 16, 4, 8);
            Tensor out = Tensor.zeros(16, 32);
            for (int i = 0; i < 5000; i++) s.predict(x, out);
            long tid = Thread.currentThread().threadId();
            long before = mx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 200; i++) s.predict(x, out);
            assertThat(mx.getThreadAllocatedBytes(tid) - before).isZero();
            assertClose(out.data(), reference(m, x).data(), 16 * 32, "relu-only model");
        }
    }

    @Test
    void badInputGivesClearErrors_seed10() {
        Sequential m = mlp(10, IN, HIDDEN, CLASSES, MaskKind.DENSE, 0);
        try (InferenceSession s = InferenceSession.builder(m, IN).batchSize(4).tuning(false).build()) {
            assertThatThrownBy(() -> s.predict(new float[IN + 1]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65").hasMessageContaining("64");
            assertThatThrownBy(() -> s.predict(randomBatch(1, 5, IN)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch 5").hasMessageContaining("[1, 4]");
            assertThatThrownBy(() -> s.predict(randomBatch(1, 2, IN + 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 65]");
            assertThatThrownBy(() -> s.predict(randomBatch(1, 2, IN), Tensor.zeros(2, CLASSES + 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out must be [2, 16]");
            assertThatThrownBy(() -> s.predictBatch(new float[IN], 2, new float[2 * CLASSES]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input has 64 values");
            assertThatThrownBy(() -> s.predict((float[]) null)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> InferenceSession.builder(m, IN).batchSize(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batchSize");
        assertThatThrownBy(() -> InferenceSession.builder(m, IN + 1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65");
        assertThatThrownBy(() -> InferenceSession.builder(m, IN).formatAll("bogus").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bogus");
    }

    @Test
    void buildsFromCheckpoint_seed11(@TempDir Path dir) throws Exception {
        Sequential m = ModelZoo.create("mlp-32", new int[] {IN}, 10, 11);
        InferenceTestModels.maskLinears(m, MaskKind.FAN_IN, 0.9, new SplittableRandom(11));
        Map<String, Object> config = new java.util.LinkedHashMap<>(TrainConfig.defaults().toJson());
        config.put("model", "mlp-32");
        config.put("seed", 999); // the restored weights, not the seed, must decide the outputs
        Path file = dir.resolve("model.safetensors");
        Checkpoint.save(file, m, null, Checkpoint.metadata(Json.write(config), 1, 10));
        try (InferenceSession s = InferenceSession.builder(file, new int[] {IN}, 10).batchSize(7)
                .tuningBudgetMillis(5).build()) {
            assertMatchesModel(m, s, 11, "checkpoint");
            assertThat(s.choices().get(0).nnz()).isEqualTo(32L * Math.round(IN * 0.1));
        }
    }
}
