package dev.sparrow.sparsity;

import dev.sparrow.nn.Parameter;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** One-shot pruning into N:M, bank-balanced and block structures. */
class StructuredPruningTest {
    private static final long SEED = 53;

    @Test
    void nmKeepsTheNLargestOfEveryMAndIgnoresTheAskedSparsity() {
        Map<String, Parameter> params = Fixtures.twoLayers(SEED);
        float[] before = params.get("0.weight").value().data().clone();
        SparsityStats stats = StructuredPruning.prune(params, "nm:1:5", 0.3, Distribution.UNIFORM, false, false);
        assertThat(stats.sparsity()).isCloseTo(0.8, within(1e-12));
        float[] w = params.get("0.weight").value().data();
        for (int g = 0; g < w.length; g += 5) {
            int best = g;
            for (int j = g; j < g + 5; j++) if (Math.abs(before[j]) > Math.abs(before[best])) best = j;
            for (int j = g; j < g + 5; j++) assertThat(w[j]).isEqualTo(j == best ? before[j] : 0f);
        }
        assertThatThrownBy(() -> StructuredPruning.prune(Fixtures.twoLayers(SEED), "nm:2:4", 0, Distribution.UNIFORM, false, false))
                .hasMessageContaining("layer '0.weight' has fan-in 30, not a multiple of 4 (M)");
        assertThat(StructuredPruning.impliedSparsity("nm:2:4")).isEqualTo(0.5);
    }

    @Test
    void balancedKeepsTheSameCountInEveryBank() {
        Map<String, Parameter> params = Fixtures.twoLayers(SEED);
        StructuredPruning.prune(params, "balanced:10", 0.5, Distribution.UNIFORM, false, false);
        for (String name : List.of("0.weight", "1.weight")) {
            float[] keep = params.get(name).mask().values();
            for (int b = 0; b < keep.length; b += 10) {
                int n = 0;
                for (int j = b; j < b + 10; j++) if (keep[j] != 0f) n++;
                assertThat(n).as("%s bank at %d", name, b).isEqualTo(5);
            }
        }
        assertThatThrownBy(() -> StructuredPruning.prune(Fixtures.twoLayers(SEED), "balanced:7", 0.8, Distribution.UNIFORM, false, false))
                .hasMessageContaining("layer '0.weight' has fan-in 30, not a multiple of 7");
    }

    @Test
    void blockKeepsWholeBlocksToTheBudget() {
        Map<String, Parameter> params = Fixtures.twoLayers(SEED);
        StructuredPruning.prune(params, "block:4", 0.8, Distribution.UNIFORM, false, false);
        List<LayerBudget> layers = SparsityBudget.sparsifiable(params);
        for (LayerBudget l : layers) {
            assertThat(BlockMasks.wholeBlocks(l.parameter().mask(), l.rows(), 4)).as(l.name()).isTrue();
        }
        // 20 x 30 at 80% uniform: 0.2 x (5 x 30) = 30 blocks of 4
        assertThat(params.get("0.weight").mask().activeCount()).isEqualTo(120);
        assertThatThrownBy(() -> StructuredPruning.check("block:8")).hasMessageContaining("4 or 16");
        assertThatThrownBy(() -> StructuredPruning.check("random")).hasMessageContaining("structure is random");
    }
}
