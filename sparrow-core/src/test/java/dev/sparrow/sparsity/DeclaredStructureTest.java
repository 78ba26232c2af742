package dev.sparrow.sparsity;

import dev.sparrow.nn.Parameter;
import dev.sparrow.optim.LrSchedules;
import dev.sparrow.optim.Optimizer;
import dev.sparrow.optim.Sgd;
import dev.sparrow.sparse.FormatRegistry;
import dev.sparrow.sparse.FormatSpec;
import dev.sparrow.sparse.MaskedWeights;
import dev.sparrow.sparse.Structure;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every method's {@link SparsityMethod#structure()} holds for its masks after initialisation and after
 * every update: the format of that structure stores them, so an inference planner told the structure
 * loses nothing by skipping the other formats.
 */
class DeclaredStructureTest {
    private static final long SEED = 43;

    private static void check(SparsityMethod method, double sparsity, Structure expected) {
        assertThat(method.structure()).as(method.describe()).isEqualTo(expected);
        FormatSpec format = FormatRegistry.parse(specOf(expected));
        Map<String, Parameter> params = Fixtures.twoLayers(SEED);
        List<LayerBudget> layers = SparsityBudget.allocate(params, sparsity, Distribution.UNIFORM, false, false);
        Optimizer opt = Sgd.builder(params).momentum(0.9f).build();
        method.initialize(layers, opt, new SplittableRandom(SEED));
        assertFits(layers, format, method.describe() + " after init");
        SplittableRandom gradients = new SplittableRandom(SEED + 1);
        long total = 30;
        for (long step = 1; step <= total; step++) {
            Fixtures.randomGradients(params, gradients);
            opt.step(0.05f);
            method.afterStep(step, total);
            assertFits(layers, format, method.describe() + " after step " + step);
        }
    }

    private static void assertFits(List<LayerBudget> layers, FormatSpec format, String context) {
        for (LayerBudget l : layers) {
            Parameter p = l.parameter();
            if (!p.hasMask()) continue;
            MaskedWeights w = MaskedWeights.of(p.value().data(), p.mask().values(), l.rows(), l.fanIn(), l.name());
            assertThat(format.canRepresent(w)).as("%s: %s holds %s", context, format, l.name()).isTrue();
        }
    }

    private static String specOf(Structure s) {
        return switch (s) {
            case Structure.ConstantFanIn c -> "condensed";
            case Structure.NOfM nm -> "nm" + nm.n() + ":" + nm.m();
            case Structure.Blocks b -> "block" + b.rows();
            case Structure.Banks b -> "bank" + b.width();
            case Structure.Complementary c -> "complementary" + c.groupSize();
            case Structure.Unstructured u -> "csr";
        };
    }

    @Test
    void everyMethodKeepsTheStructureItDeclares() {
        check(new SRigL(UpdateSchedule.cosine(3, 1.0, 0.3), true, 0.95), 0.9, new Structure.ConstantFanIn());
        check(new NmSrSte(3, 10, 2e-4, LrSchedules.cosine(0.05f, 0f)), 0.5, new Structure.NOfM(3, 10));
        check(new RigL(UpdateSchedule.cosine(3, 1.0, 0.3), 4), 0.8, new Structure.Blocks(4, 1));
        check(new StaticSparsity(16), 0.8, new Structure.Blocks(16, 1));
        check(new Gmp(0.0, 0.1, 0.8, 4, 10), 0.8, new Structure.Banks(10));
        check(new ComplementarySparsity(2, UpdateSchedule.cosine(3, 1.0, 0.3)), 0.5, new Structure.Complementary(2));
        check(new RigL(UpdateSchedule.cosine(3, 1.0, 0.3)), 0.8, Structure.UNSTRUCTURED);
    }
}
