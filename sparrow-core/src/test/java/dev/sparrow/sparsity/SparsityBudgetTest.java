package dev.sparrow.sparsity;

import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.layers.BatchNorm2d;
import dev.sparrow.nn.layers.Conv2d;
import dev.sparrow.nn.layers.Flatten;
import dev.sparrow.nn.layers.Linear;
import dev.sparrow.nn.layers.ReLU;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SparsityBudgetTest {

    /** The LeNet-300-100 weights: 784x300 (235,200), 300x100 (30,000), 100x10 (1,000). */
    static Map<String, Parameter> mlpParameters() {
        Sequential m = new Sequential(List.of(new Linear(784, 300, true, 1), new ReLU(),
                new Linear(300, 100, true, 2), new ReLU(), new Linear(100, 10, true, 3)));
        return Modules.namedParameters(m);
    }

    @Test
    void findsOnlyLinearAndConvWeights() {
        Sequential m = new Sequential(List.of(new Conv2d(1, 4, 3, 3, 1, 1, true, 1L), new BatchNorm2d(4), new ReLU(),
                new Flatten(), new Linear(4 * 8 * 8, 10, true, 2)));
        List<LayerBudget> layers = SparsityBudget.sparsifiable(Modules.namedParameters(m));
        assertThat(layers).extracting(LayerBudget::name).containsExactly("0.weight", "4.weight");
        assertThat(layers).extracting(LayerBudget::output).containsExactly(false, true);
        assertThat(layers.get(0).rows()).isEqualTo(4);
        assertThat(layers.get(0).fanIn()).isEqualTo(9);
    }

    @Test
    void uniformKeepsExactCountsPerLayer() {
        List<LayerBudget> layers = SparsityBudget.allocate(mlpParameters(), 0.9, Distribution.UNIFORM, false, false);
        assertThat(layers).extracting(LayerBudget::active).containsExactly(23_520, 3_000, 100);
        assertThat(SparsityBudget.totalActive(layers)).isEqualTo(26_620);
    }

    @Test
    void denseFirstAndLastRaiseTheOthersSoTheGlobalBudgetHolds() {
        List<LayerBudget> layers = SparsityBudget.allocate(mlpParameters(), 0.9, Distribution.UNIFORM, false, true);
        long total = 266_200;
        // 26,620 active in all; the last layer's 1,000 are dense, the rest share 25,620 over 265,200
        assertThat(layers.get(2).dense()).isTrue();
        double density = 25_620.0 / 265_200;
        assertThat(layers.get(0).active()).isEqualTo(Math.round(density * 235_200));
        assertThat(layers.get(1).active()).isEqualTo(Math.round(density * 30_000));
        assertThat((double) SparsityBudget.totalActive(layers)).isCloseTo(0.1 * total, within(1.0));

        List<LayerBudget> firstDense = SparsityBudget.allocate(mlpParameters(), 0.1, Distribution.UNIFORM, true, false);
        assertThat(firstDense.get(0).dense()).isTrue();
        assertThat(firstDense.get(1).active()).isEqualTo(Math.round((0.9 * total - 235_200) / 31_000 * 30_000));
        assertThatThrownBy(() -> SparsityBudget.allocate(mlpParameters(), 0.9, Distribution.UNIFORM, true, false))
                .hasMessageContaining("sparsity 0.9 cannot hold").hasMessageContaining("dense first/last");
    }

    @Test
    void erkFollowsTheFormulaAndMakesOverfullLayersDense() {
        double s = 0.9;
        List<LayerBudget> layers = SparsityBudget.allocate(mlpParameters(), s, Distribution.ERK, false, false);
        // raw densities (in+out)/(in*out): 1084/235200, 400/30000, 110/1000; the last would exceed 1
        double raw0 = 1084.0 / 235_200;
        double raw1 = 400.0 / 30_000;
        double raw2 = 110.0 / 1_000;
        double eps = 26_620.0 / (raw0 * 235_200 + raw1 * 30_000 + raw2 * 1_000);
        assertThat(eps * raw2).isGreaterThan(1.0);
        assertThat(layers.get(2).dense()).isTrue();
        double eps2 = (26_620.0 - 1_000) / (raw0 * 235_200 + raw1 * 30_000);
        assertThat(layers.get(0).active()).isEqualTo(Math.round(eps2 * raw0 * 235_200));
        assertThat(layers.get(1).active()).isEqualTo(Math.round(eps2 * raw1 * 30_000));
        assertThat((double) SparsityBudget.totalActive(layers)).isCloseTo(26_620, within(1.0));
        // ERK keeps the small layer denser than the big one
        assertThat(layers.get(1).sparsity()).isLessThan(layers.get(0).sparsity());
    }

    @Test
    void erkUsesAllFourConvDims() {
        Map<String, Parameter> params = new LinkedHashMap<>();
        params.put("0.weight", new Parameter("weight", Tensor.zeros(16, 8, 3, 3), true));
        params.put("1.weight", new Parameter("weight", Tensor.zeros(32, 16, 3, 3), true));
        List<LayerBudget> layers = SparsityBudget.allocate(params, 0.8, Distribution.ERK, false, false);
        double raw0 = (16 + 8 + 3 + 3) / (16.0 * 8 * 9);
        double raw1 = (32 + 16 + 3 + 3) / (32.0 * 16 * 9);
        double eps = 0.2 * (1152 + 4608) / (raw0 * 1152 + raw1 * 4608);
        assertThat(layers.get(0).active()).isEqualTo(Math.round(eps * raw0 * 1152));
        assertThat(layers.get(1).active()).isEqualTo(Math.round(eps * raw1 * 4608));
    }

    @Test
    void zeroSparsityLeavesEverythingDense() {
        assertThat(SparsityBudget.allocate(mlpParameters(), 0.0, Distribution.ERK, false, false))
                .allMatch(LayerBudget::dense);
    }

    @Test
    void badOptionsNameTheOption() {
        assertThatThrownBy(() -> SparsityBudget.allocate(mlpParameters(), 1.0, Distribution.UNIFORM, false, false))
                .hasMessageContaining("sparsity is 1.0").hasMessageContaining("[0, 1)");
        assertThatThrownBy(() -> SparsityBudget.allocate(mlpParameters(), -0.1, Distribution.UNIFORM, false, false))
                .hasMessageContaining("sparsity is -0.1");
        assertThatThrownBy(() -> SparsityBudget.allocate(mlpParameters(), Double.NaN, Distribution.UNIFORM, false, false))
                .hasMessageContaining("sparsity is NaN");
        assertThatThrownBy(() -> Distribution.parse("gaussian"))
                .hasMessageContaining("distribution 'gaussian' is unknown").hasMessageContaining("uniform or erk");
        assertThat(Distribution.parse("ERK")).isEqualTo(Distribution.ERK);
        assertThatThrownBy(() -> SparsityBudget.allocate(new LinkedHashMap<>(), 0.5, Distribution.UNIFORM, false, false))
                .hasMessageContaining("no sparsifiable layers");
    }
}
