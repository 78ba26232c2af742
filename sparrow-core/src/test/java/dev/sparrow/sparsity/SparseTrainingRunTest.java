package dev.sparrow.sparsity;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.train.EpochResult;
import dev.sparrow.train.RunDirectory;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.train.TrainListener;
import dev.sparrow.train.TrainingRun;
import dev.sparrow.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TrainingRun with a sparsity config: masks in the checkpoint, config round trip, exact resume. */
class SparseTrainingRunTest {
    private static final long SEED = 7;

    private static TrainingRun.Data data() {
        return new TrainingRun.Data(SparseTrainingEndToEndTest.generated("train", 256, SEED),
                SparseTrainingEndToEndTest.generated("test", 64, SEED + 1), 0.4f, 0.25f);
    }

    private static TrainConfig config(String method) {
        return config(method, 2);
    }

    private static TrainConfig config(String method, int epochs) {
        SparsityConfig s = new SparsityConfig(method, 0.9, "erk", false, false, 4, 0.75, 0.3, true, 0.3, true);
        return new TrainConfig("mlp", TrainConfig.DATASET_FASHION_MNIST, null, epochs, 32, "sgd", 0.05, 0.9, true,
                5e-4, "cosine", 0, 0, false, SEED, 1, s);
    }

    private static Map<String, Parameter> restored(Path checkpoint) throws IOException {
        Layer model = ModelZoo.create("mlp", new int[] {1, 8, 8}, 4, 99);
        Checkpoint.read(checkpoint).restoreInto(model);
        return Modules.namedParameters(model);
    }

    @Test
    void sRigLRunSavesExactMasksAndItsConfig(@TempDir Path dir) throws IOException {
        TrainConfig config = config("srigl");
        TrainingRun.Outcome out = TrainingRun.run(config, data(), dir, null, TrainListener.NONE);

        Map<String, Parameter> params = restored(out.checkpoint());
        List<LayerBudget> budget = config.sparsity().allocate(params);
        for (LayerBudget l : budget) {
            if (l.dense()) {
                assertThat(l.parameter().hasMask()).as(l.name()).isFalse();
                continue;
            }
            int[] counts = MaskInit.rowCounts(l.parameter().mask(), l.rows());
            int k = SRigL.fanInFor(l, SRigL.activeNeurons(l));
            for (int c : counts) assertThat(c).as("row count of %s", l.name()).isIn(0, k);
        }
        Map<String, Object> summary = Json.parseObject(Files.readString(dir.resolve(RunDirectory.SUMMARY)), Json.Limits.of(100_000));
        @SuppressWarnings("unchecked")
        Map<String, Object> cfg = (Map<String, Object>) summary.get("config");
        assertThat(TrainConfig.fromJson(cfg)).isEqualTo(config);
        assertThat(TrainConfig.fromJson(config.withSparsity(SparsityConfig.DENSE).toJson()).sparsity().isDense()).isTrue();
    }

    @Test
    void rigLRunResumesBitForBit(@TempDir Path dir) throws IOException {
        TrainConfig config = config("rigl");
        TrainingRun.Outcome straight = TrainingRun.run(config, data(), dir.resolve("a"), null, TrainListener.NONE);
        TrainListener crash = new TrainListener() {
            @Override
            public void onEpochEnd(EpochResult r) {
                throw new IllegalStateException("simulated crash");
            }
        };
        assertThatThrownBy(() -> TrainingRun.run(config, data(), dir.resolve("c"), null, crash)).hasMessage("simulated crash");
        TrainingRun.Outcome resumed = TrainingRun.run(config, data(), dir.resolve("c"),
                dir.resolve("c").resolve(RunDirectory.CHECKPOINT), TrainListener.NONE);

        var a = Checkpoint.read(straight.checkpoint()).tensors();
        var c = Checkpoint.read(resumed.checkpoint()).tensors();
        assertThat(c.keySet()).isEqualTo(a.keySet()).contains("1.weight" + Checkpoint.MASK_SUFFIX);
        for (String name : a.keySet()) assertThat(c.get(name).bytes()).as(name).isEqualTo(a.get(name).bytes());

        Map<String, Parameter> params = restored(straight.checkpoint());
        for (LayerBudget l : config.sparsity().allocate(params)) {
            if (!l.dense()) assertThat(l.parameter().mask().activeCount()).as(l.name()).isEqualTo(l.active());
        }
        // a dense config cannot resume a sparse checkpoint
        assertThatThrownBy(() -> TrainingRun.run(config.withSparsity(SparsityConfig.DENSE), data(), dir.resolve("c"),
                dir.resolve("c").resolve(RunDirectory.CHECKPOINT), TrainListener.NONE))
                .hasMessageContaining("sparsity");
    }

    @Test
    void nmRunWithSrSteLeavesAtMostNOfEveryMNonzeroAndLearns(@TempDir Path dir) throws IOException {
        TrainConfig config = config("nm:2:4");
        TrainingRun.Outcome out = TrainingRun.run(config, data(), dir, null, TrainListener.NONE);
        assertThat(out.last().trainLoss()).isLessThan(out.epochs().getFirst().trainLoss());
        assertThat(out.testAccuracy()).isGreaterThan(0.9);
        Map<String, Parameter> params = restored(out.checkpoint());
        for (LayerBudget l : config.sparsity().allocate(params)) {
            float[] w = l.parameter().value().data();
            for (int g = 0; g < w.length; g += 4) {
                int nonzero = 0;
                for (int j = g; j < g + 4; j++) if (w[j] != 0f) nonzero++;
                assertThat(nonzero).as("%s group at %d", l.name(), g).isLessThanOrEqualTo(2);
            }
        }
        assertThat(Checkpoint.read(out.checkpoint()).sparsityState()).containsOnlyKeys("1.weight.dense", "3.weight.dense",
                "5.weight.dense");
    }

    @Test
    void nmRunResumesBitForBitFromTheDenseWeightsInTheCheckpoint(@TempDir Path dir) throws IOException {
        TrainConfig config = config("nm:2:4", 3);
        TrainingRun.Outcome straight = TrainingRun.run(config, data(), dir.resolve("a"), null, TrainListener.NONE);
        TrainListener crash = new TrainListener() {
            @Override
            public void onEpochEnd(EpochResult r) {
                throw new IllegalStateException("simulated crash");
            }
        };
        assertThatThrownBy(() -> TrainingRun.run(config, data(), dir.resolve("c"), null, crash)).hasMessage("simulated crash");
        TrainingRun.Outcome resumed = TrainingRun.run(config, data(), dir.resolve("c"),
                dir.resolve("c").resolve(RunDirectory.CHECKPOINT), TrainListener.NONE);

        var a = Checkpoint.read(straight.checkpoint()).tensors();
        var c = Checkpoint.read(resumed.checkpoint()).tensors();
        assertThat(c.keySet()).isEqualTo(a.keySet()).contains(Checkpoint.SPARSITY_PREFIX + "1.weight.dense");
        for (String name : a.keySet()) assertThat(c.get(name).bytes()).as(name).isEqualTo(a.get(name).bytes());
        assertThat(resumed.testAccuracy()).isEqualTo(straight.testAccuracy());
    }

    @Test
    void badSparsityOptionsNameTheOption() {
        assertThatThrownBy(() -> SparsityConfig.of("lottery", 0.9, "erk")).hasMessageContaining("method is lottery");
        assertThatThrownBy(() -> SparsityConfig.of("rigl", 1.2, "erk")).hasMessageContaining("sparsity is 1.2");
        assertThatThrownBy(() -> SparsityConfig.of("rigl", 0.9, "normal")).hasMessageContaining("distribution is normal");
        assertThatThrownBy(() -> new SparsityConfig("rigl", 0.9, "erk", false, false, 0, 0.75, 0.3, true, 0.3, true))
                .hasMessageContaining("updateInterval is 0");
        assertThatThrownBy(() -> new SparsityConfig("srigl", 0.9, "erk", false, false, 10, 0.75, 0.3, true, 2, true))
                .hasMessageContaining("gammaSal is 2.0");
        assertThat(SparsityConfig.of("srigl", 0.9, "ERK").createMethod()).isInstanceOf(SRigL.class);
        assertThatThrownBy(() -> SparsityConfig.of("nm:5:4", 0, "uniform")).hasMessageContaining("method nm:5:4: N is 5");
        assertThatThrownBy(() -> SparsityConfig.of("nm:N:M", 0, "uniform")).hasMessageContaining("N and M must be whole numbers");
        assertThatThrownBy(() -> SparsityConfig.of("nm:2:4", 0, "uniform").createMethod()).hasMessageContaining("needs the learning-rate schedule");
        assertThat(SparsityConfig.DENSE.createMethod()).isNull();
    }
}
