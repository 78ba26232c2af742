package dev.sparrow.train;

import dev.sparrow.sparsity.SparsityConfig;
import dev.sparrow.util.ArgumentException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TrainConfig by name: defaults, a copy that changes one value, and errors that name the API argument, not a flag. */
class TrainConfigBuilderTest {

    @Test
    void builderStartsFromTheDefaultsAndSetsByName() {
        assertThat(TrainConfig.builder().build()).isEqualTo(TrainConfig.defaults());
        TrainConfig c = TrainConfig.builder().model("cnn").epochs(3).batchSize(32).optimizer("adamw").learningRate(1e-3)
                .weightDecay(0.01).threads(2).sparsity(SparsityConfig.of("rigl", 0.8, "erk")).build();
        assertThat(c.model()).isEqualTo("cnn");
        assertThat(c.epochs()).isEqualTo(3);
        assertThat(c.batchSize()).isEqualTo(32);
        assertThat(c.optimizer()).isEqualTo("adamw");
        assertThat(c.sparsity().method()).isEqualTo("rigl");
        assertThat(c.seed()).isEqualTo(42);
        assertThat(c.toBuilder().build()).isEqualTo(c);
        assertThat(c.toBuilder().epochs(4).build()).isEqualTo(new TrainConfig(c.model(), c.dataset(), c.dataDir(), 4, c.batchSize(),
                c.optimizer(), c.learningRate(), c.momentum(), c.nesterov(), c.weightDecay(), c.schedule(), c.warmupEpochs(),
                c.labelSmoothing(), c.augment(), c.seed(), c.threads(), c.sparsity()));
    }

    @Test
    void aBadValueNamesTheApiArgument() {
        assertThatThrownBy(() -> TrainConfig.builder().batchSize(0).build()).isInstanceOf(ArgumentException.class)
                .hasMessage("batchSize is 0; expected >= 1")
                .satisfies(e -> assertThat(((ArgumentException) e).argument()).isEqualTo("batchSize"));
        assertThatThrownBy(() -> TrainConfig.builder().learningRate(-1).build()).hasMessageStartingWith("learningRate is -1.0")
                .hasMessageNotContaining("--");
        assertThatThrownBy(() -> TrainConfig.builder().warmupEpochs(20).build()).hasMessageStartingWith("warmupEpochs is 20.0");
    }

    @Test
    void sparsityConfigNamesItsArgumentsToo() {
        assertThatThrownBy(() -> new SparsityConfig("rigl", 0.9, "erk", false, false, 100, 0, 0.3, true, 0.3, true))
                .isInstanceOf(ArgumentException.class).hasMessage("updateEnd is 0.0; expected in (0, 1]");
        assertThatThrownBy(() -> SparsityConfig.of("set", 0.9, "erk").withBlock(4))
                .hasMessage("block works with method static, gmp or rigl, not set")
                .satisfies(e -> assertThat(((ArgumentException) e).related()).containsExactly("method"));
    }
}
