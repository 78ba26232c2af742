package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Parameter;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One-shot magnitude pruning: exact counts, smallest |w| removed, global vs per-layer (seeds 11 and 12). */
class MagnitudePruningTest {

    /** Layer 0 holds small weights (0.01·i), layer 1 large ones (1 + 0.01·i), so the scopes differ. */
    private static Map<String, Parameter> smallAndLarge() {
        Map<String, Parameter> m = new LinkedHashMap<>();
        Tensor a = Tensor.zeros(4, 5);
        for (int i = 0; i < 20; i++) a.data()[i] = (i % 2 == 0 ? 1 : -1) * 0.01f * (i + 1);
        Tensor b = Tensor.zeros(2, 10);
        for (int i = 0; i < 20; i++) b.data()[i] = (i % 2 == 0 ? -1 : 1) * (1 + 0.01f * i);
        m.put("0.weight", new Parameter("weight", a, true));
        m.put("0.bias", new Parameter("bias", Tensor.zeros(4), false));
        m.put("1.weight", new Parameter("weight", b, true));
        return m;
    }

    @Test
    void globalScopeKeepsExactlyTheLargestMagnitudesAcrossLayers() {
        Map<String, Parameter> p = smallAndLarge();
        SparsityStats s = MagnitudePruning.prune(p, 0.6, MagnitudePruning.Scope.GLOBAL, Distribution.UNIFORM, false, false);
        assertThat(s.active()).isEqualTo(16); // round(0.4 * 40)
        // the 20 large weights outrank every small one: layer 1 keeps 16, layer 0 nothing
        assertThat(s.layers()).extracting(SparsityStats.Layer::active).containsExactly(0, 16);
        Mask m1 = p.get("1.weight").mask();
        for (int i = 0; i < 20; i++) assertThat(m1.isActive(i)).as("1.weight[%d]", i).isEqualTo(i >= 4);
        for (float v : p.get("0.weight").value().data()) assertThat(v).isZero();
        assertThat(p.get("0.bias").hasMask()).isFalse();
    }

    @Test
    void layerScopeGivesEachLayerItsBudgetAndRemovesItsSmallestWeights() {
        Map<String, Parameter> p = smallAndLarge();
        SparsityStats s = MagnitudePruning.prune(p, 0.6, MagnitudePruning.Scope.LAYER, Distribution.UNIFORM, false, false);
        assertThat(s.layers()).extracting(SparsityStats.Layer::active).containsExactly(8, 8);
        Parameter p0 = p.get("0.weight");
        for (int i = 0; i < 20; i++) {
            assertThat(p0.mask().isActive(i)).as("0.weight[%d]", i).isEqualTo(i >= 12);
            if (i < 12) assertThat(p0.value().data()[i]).isZero();
            else assertThat(Math.abs(p0.value().data()[i])).isEqualTo(0.01f * (i + 1));
        }
    }

    @Test
    void randomWeightsKeepExactCountsAndTheThresholdSeparatesKeptFromPruned() {
        Map<String, Parameter> p = Fixtures.twoLayers(11); // 600 + 200 weights
        Map<String, float[]> before = Map.of("0.weight", p.get("0.weight").value().data().clone(),
                "1.weight", p.get("1.weight").value().data().clone());
        SparsityStats s = MagnitudePruning.prune(p, 0.9, MagnitudePruning.Scope.GLOBAL, Distribution.ERK, false, false);
        assertThat(s.active()).isEqualTo(80);
        float minKept = Float.MAX_VALUE;
        float maxPruned = 0;
        for (String name : new String[] {"0.weight", "1.weight"}) {
            Parameter w = p.get(name);
            for (int i = 0; i < w.size(); i++) {
                float a = Math.abs(w.value().data()[i]);
                if (w.mask().isActive(i)) minKept = Math.min(minKept, a);
                else maxPruned = Math.max(maxPruned, Math.abs(before.get(name)[i]));
            }
        }
        assertThat(minKept).isGreaterThanOrEqualTo(maxPruned);
        assertThat(maxPruned).isPositive();

        Map<String, Parameter> q = Fixtures.twoLayers(12);
        SparsityStats erk = MagnitudePruning.prune(q, 0.9, MagnitudePruning.Scope.LAYER, Distribution.ERK, false, false);
        assertThat(erk.layers()).extracting(SparsityStats.Layer::active)
                .containsExactlyElementsOf(SparsityBudget.allocate(Fixtures.twoLayers(12), 0.9, Distribution.ERK, false, false)
                        .stream().map(LayerBudget::active).toList());
    }

    @Test
    void alreadyMaskedWeightsStayPrunedAndDenseLayersAreLeftAlone() {
        Map<String, Parameter> p = smallAndLarge();
        float[] keep = new float[20];
        java.util.Arrays.fill(keep, 1f);
        keep[19] = 0f; // the largest weight of layer 1, masked before pruning
        p.get("1.weight").setMask(Mask.of(keep));
        SparsityStats s = MagnitudePruning.prune(p, 0.5, MagnitudePruning.Scope.GLOBAL, Distribution.UNIFORM, true, false);
        assertThat(p.get("0.weight").hasMask()).isFalse();
        // budget 20 active, 20 of them in the dense first layer: layer 1 loses everything
        assertThat(s.layers()).extracting(SparsityStats.Layer::active).containsExactly(20, 0);
        assertThatThrownBy(() -> MagnitudePruning.prune(smallAndLarge(), 0.8, MagnitudePruning.Scope.GLOBAL, Distribution.UNIFORM,
                true, false)).hasMessageContaining("sparsity 0.8 cannot hold");
        assertThatThrownBy(() -> MagnitudePruning.Scope.parse("net")).hasMessageContaining("scope is net");
        assertThatThrownBy(() -> MagnitudePruning.prune(smallAndLarge(), 1.0, MagnitudePruning.Scope.LAYER, Distribution.UNIFORM,
                false, false)).hasMessageContaining("sparsity is 1.0");
    }
}
