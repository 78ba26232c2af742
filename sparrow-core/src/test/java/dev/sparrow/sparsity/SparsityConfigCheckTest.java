package dev.sparrow.sparsity;

import dev.sparrow.nn.Parameter;
import org.junit.jupiter.api.Test;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.train.TrainListener;
import dev.sparrow.train.TrainingRun;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SparsityConfig.check: budgets and structural constraints against a model, before training (seed 3). */
class SparsityConfigCheckTest {

    @Test
    void checkReturnsTheBudgetAndChangesNothing() {
        Map<String, Parameter> params = Fixtures.twoLayers(3);
        List<LayerBudget> layers = SparsityConfig.of("rigl", 0.9, "uniform").check(params);
        assertThat(layers).extracting(LayerBudget::active).containsExactly(60, 20);
        assertThat(params.get("0.weight").hasMask()).isFalse();
        assertThat(SparsityConfig.DENSE.check(params)).isEmpty();
    }

    @Test
    void bankWidthThatDoesNotDivideTheFanInNamesTheLayer() {
        Map<String, Parameter> params = Fixtures.twoLayers(3); // fan-ins 30 and 20
        assertThat(SparsityConfig.of("balanced:10", 0.5, "uniform").check(params)).hasSize(2);
        assertThatThrownBy(() -> SparsityConfig.of("balanced:4", 0.5, "uniform").check(params))
                .hasMessageContaining("method balanced:4").hasMessageContaining("'0.weight' has fan-in 30");
        assertThatThrownBy(() -> SparsityConfig.of("nm:2:4", 0, "uniform").check(params))
                .hasMessageContaining("'0.weight' has fan-in 30, not a multiple of 4 (M)");
        SparsityConfig denseFirst = new SparsityConfig("nm:2:4", 0, "uniform", true, false, 100, 0.75, 0.3, true, 0.3, true);
        assertThat(denseFirst.check(params)).extracting(LayerBudget::active).containsExactly(600, 100);
    }

    @Test
    void balancedAndBlockMethodsParse() {
        assertThat(SparsityConfig.of("balanced:8", 0.9, "erk").createMethod()).isInstanceOf(Gmp.class);
        assertThat(SparsityConfig.of("balanced:8", 0.9, "erk").createMethod().describe()).contains("bank=8");
        assertThatThrownBy(() -> SparsityConfig.of("balanced:x", 0.9, "erk")).hasMessageContaining("BANK must be a whole number");
        assertThatThrownBy(() -> SparsityConfig.of("balanced:0", 0.9, "erk")).hasMessageContaining("bank width must be >= 1");
        assertThat(SparsityConfig.of("block:4", 0.9, "erk").createMethod()).isInstanceOf(Gmp.class);
        assertThat(SparsityConfig.of("block:4", 0.9, "erk").createMethod().describe()).contains("block=4");
        assertThatThrownBy(() -> SparsityConfig.of("block:x", 0.9, "erk")).hasMessageContaining("R must be 4 or 16");
    }

    @Test
    void balancedRunEndsWithTheSameCountInEveryBank(@TempDir Path dir) throws IOException {
        SparsityConfig s = new SparsityConfig("balanced:4", 0.5, "uniform", false, false, 2, 0.75, 0.3, true, 0.3, false);
        TrainConfig c = new TrainConfig("mlp", TrainConfig.DATASET_FASHION_MNIST, null, 1, 32, "sgd", 0.05, 0.9, false,
                5e-4, "cosine", 0, 0, false, 3, 1, s);
        TrainingRun.Data data = new TrainingRun.Data(SparseTrainingEndToEndTest.generated("train", 256, 3),
                SparseTrainingEndToEndTest.generated("test", 32, 4), 0.4f, 0.25f);
        TrainingRun.Outcome out = TrainingRun.run(c, data, dir, null, TrainListener.NONE);
        Layer model = ModelZoo.create("mlp", new int[] {1, 8, 8}, 4, 3);
        Checkpoint.read(out.checkpoint()).restoreInto(model);
        List<LayerBudget> layers = SparsityBudget.sparsifiable(Modules.namedParameters(model));
        assertThat(layers).hasSize(3);
        for (LayerBudget l : layers) {
            float[] keep = l.parameter().mask().values();
            for (int b = 0; b < keep.length; b += 4) {
                assertThat(keep[b] + keep[b + 1] + keep[b + 2] + keep[b + 3]).as("%s bank at %d", l.name(), b).isEqualTo(2f);
            }
        }
    }
}
