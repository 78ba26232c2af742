package dev.sparrow.sparsity;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.train.TrainListener;
import dev.sparrow.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TrainingRun from initial weights: a magnitude-pruned model fine-tuned as a static sparse run keeps its masks (seed 5). */
class PruneAndFineTuneTest {
    private static final long SEED = 5;

    private static TrainingRun.Data data() {
        return new TrainingRun.Data(SparseTrainingEndToEndTest.generated("train", 128, SEED),
                SparseTrainingEndToEndTest.generated("test", 64, SEED + 1), 0.4f, 0.25f);
    }

    private static Map<String, Parameter> load(Path checkpoint) throws IOException {
        Layer model = ModelZoo.create("mlp", new int[] {1, 8, 8}, 4, 99);
        Checkpoint.read(checkpoint).restoreInto(model);
        return Modules.namedParameters(model);
    }

    @Test
    void fineTuningFromPrunedWeightsKeepsTheMasksFixed(@TempDir Path dir) throws IOException {
        TrainConfig dense = new TrainConfig("mlp", TrainConfig.DATASET_FASHION_MNIST, null, 1, 32, "sgd", 0.05, 0.9, false,
                5e-4, "cosine", 0, 0, false, SEED, 1);
        TrainingRun.Outcome trained = TrainingRun.run(dense, data(), dir.resolve("dense"), null, TrainListener.NONE);

        Layer model = ModelZoo.create("mlp", new int[] {1, 8, 8}, 4, SEED);
        Checkpoint.read(trained.checkpoint()).restoreInto(model);
        SparsityStats pruned = MagnitudePruning.prune(Modules.namedParameters(model), 0.8, MagnitudePruning.Scope.GLOBAL,
                Distribution.UNIFORM, false, false);
        Path prunedFile = dir.resolve("pruned.safetensors");
        Checkpoint.save(prunedFile, model, null, Checkpoint.metadata(null, 0, 0));

        SparsityConfig fixed = new SparsityConfig("static", 0.8, "uniform", false, false, 100, 0.75, 0.3, true, 0.3, false);
        TrainingRun.Outcome tuned = TrainingRun.run(dense.withSparsity(fixed), data(), dir.resolve("tuned"), null, prunedFile,
                TrainListener.NONE);

        Map<String, Parameter> before = load(prunedFile);
        Map<String, Parameter> after = load(tuned.checkpoint());
        long active = 0;
        for (LayerBudget l : SparsityBudget.sparsifiable(after)) {
            Parameter a = l.parameter();
            Parameter b = before.get(l.name());
            assertThat(a.mask().values()).as(l.name()).containsExactly(b.mask().values());
            boolean changed = false;
            for (int i = 0; i < a.size(); i++) {
                if (!a.mask().isActive(i)) assertThat(a.value().data()[i]).as("%s[%d]", l.name(), i).isZero();
                else changed |= a.value().data()[i] != b.value().data()[i];
            }
            assertThat(changed).as("%s was fine-tuned", l.name()).isTrue();
            active += a.mask().activeCount();
        }
        assertThat(active).isEqualTo(pruned.active()).isEqualTo(Math.round(0.2 * pruned.size()));
        assertThatThrownBy(() -> TrainingRun.run(dense, data(), dir.resolve("x"), trained.checkpoint(), prunedFile, TrainListener.NONE))
                .hasMessageContaining("not both");
    }
}
