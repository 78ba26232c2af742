package dev.sparrow.sparsity;

import dev.sparrow.nn.Parameter;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SparsityConfig.check: budgets and structural constraints against a model, before training (seed 3). */
class SparsityConfigCheckTest {

    @Test
    void checkReturnsTheBudgetAndChangesNothing() {
        Map<String, Parameter> params = Fixtures.twoLayers(3);
        List<SparseLayer> layers = SparsityConfig.of("rigl", 0.9, "uniform").check(params);
        assertThat(layers).extracting(SparseLayer::active).containsExactly(60, 20);
        assertThat(params.get("0.weight").hasMask()).isFalse();
        assertThat(SparsityConfig.DENSE.check(params)).isEmpty();
    }

    @Test
    void bankWidthThatDoesNotDivideTheFanInNamesTheLayer() {
        Map<String, Parameter> params = Fixtures.twoLayers(3); // fan-ins 30 and 20
        assertThat(SparsityConfig.of("balanced:10", 0.5, "uniform").check(params)).hasSize(2);
        assertThatThrownBy(() -> SparsityConfig.of("balanced:4", 0.5, "uniform").check(params))
                .hasMessageContaining("--method balanced:4").hasMessageContaining("'0.weight' has fan-in 30");
        assertThatThrownBy(() -> SparsityConfig.of("nm:2:4", 0, "uniform").check(params))
                .hasMessageContaining("'0.weight' has fan-in 30, not a multiple of 4 (M)");
        SparsityConfig denseFirst = new SparsityConfig("nm:2:4", 0, "uniform", true, false, 100, 0.75, 0.3, true, 0.3, true);
        assertThat(denseFirst.check(params)).extracting(SparseLayer::active).containsExactly(600, 100);
    }

    @Test
    void balancedAndBlockMethodsParse() {
        assertThat(SparsityConfig.of("balanced:8", 0.9, "erk").createMethod()).isInstanceOf(Gmp.class);
        assertThat(SparsityConfig.of("balanced:8", 0.9, "erk").createMethod().describe()).contains("bank=8");
        assertThatThrownBy(() -> SparsityConfig.of("balanced:x", 0.9, "erk")).hasMessageContaining("BANK must be a whole number");
        assertThatThrownBy(() -> SparsityConfig.of("balanced:0", 0.9, "erk")).hasMessageContaining("bank width must be >= 1");
        assertThatThrownBy(() -> SparsityConfig.of("block:4", 0.9, "erk")).hasMessageContaining("not supported yet");
    }
}
