package dev.sparrow.sparsity;

import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.layers.Conv2d;
import dev.sparrow.nn.layers.Flatten;
import dev.sparrow.nn.layers.Linear;
import dev.sparrow.nn.layers.ReLU;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.loss.SoftmaxCrossEntropy;
import dev.sparrow.optim.AdamW;
import dev.sparrow.optim.LrSchedule;
import dev.sparrow.optim.LrSchedules;
import dev.sparrow.optim.Optimizer;
import dev.sparrow.optim.Sgd;
import dev.sparrow.tensor.Tensor;
import dev.sparrow.train.SparseEngines;
import dev.sparrow.train.SparseTraining;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Issue 13's engine equivalence: the same seed, one thread, every sparse method of
 * {@link SparsityMethodContractTest}, SGD with momentum and AdamW: a small MLP, and a small CNN (a padded 3x3
 * convolution, one of stride 2, a Linear), trained N steps with its masked Linear and Conv2d layers on the sparse
 * engine ends with the same masks as on the masked dense engine and the same weights within float tolerance (the
 * engines differ only in summation order).
 */
class EngineEquivalenceTest {
    private static final long SEED = 23;
    private static final int STEPS = 30;
    private static final int BATCH = 12;

    static Stream<Object[]> cases() {
        return SparsityMethodContractTest.methods().flatMap(c -> Stream.of("mlp", "cnn").flatMap(model ->
                Stream.of(new Object[] {c, "sgd", model}, new Object[] {c, "adamw", model})));
    }

    /** The MLP 32-16-8, or a CNN on 8 x 6 x 6 samples whose fan-ins (72) suit N:M, blocks, banks and groups. */
    static Sequential model(String model, SplittableRandom init) {
        if (model.equals("mlp")) return new Sequential(List.of(new Linear(32, 16, true, init), new ReLU(), new Linear(16, 8, true, init)));
        return new Sequential(List.of(new Conv2d(8, 8, 3, 1, 1, true, init), new ReLU(),
                new Conv2d(8, 8, 3, 2, 1, false, init), new ReLU(), new Flatten(), new Linear(72, 8, true, init)));
    }

    /** One batch of samples for the model: [batch, 32] or [batch, 8, 6, 6]. */
    static Tensor input(String model, int batch) {
        return input(model, batch, 32);
    }

    /** One batch of samples for the model: [batch, width] or [batch, 8, 6, 6]. */
    static Tensor input(String model, int batch, int width) {
        return model.equals("mlp") ? Tensor.zeros(batch, width) : Tensor.zeros(batch, 8, 6, 6);
    }

    private record Outcome(List<float[]> masks, List<float[]> weights, boolean anySparse, boolean anySparseConv) {}

    private static Outcome train(SparsityMethodContractTest.Case c, String optimizer, boolean sparseEngine, String model) {
        return train(c, optimizer, sparseEngine, model, 32, ComputePool.serial());
    }

    /** @param width the MLP's inputs (32, or 1024 so that every step of the sparse engine splits over the pool) */
    private static Outcome train(SparsityMethodContractTest.Case c, String optimizer, boolean sparseEngine, String model,
                                 int width, ComputePool pool) {
        SplittableRandom init = new SplittableRandom(SEED);
        Sequential net = width == 32 ? model(model, init)
                : new Sequential(List.of(new Linear(width, 256, true, init), new ReLU(), new Linear(256, 8, true, init)));
        Map<String, Parameter> params = Modules.namedParameters(net);
        Optimizer opt = optimizer.equals("sgd")
                ? Sgd.builder(params).momentum(0.9f).weightDecay(5e-4f).build()
                : AdamW.builder(params).weightDecay(0.01f).build();
        LrSchedule lr = LrSchedules.constant(0.05f);
        SparsityMethod method = c.config().start(params, opt, new SplittableRandom(SEED), lr);
        SparseTraining training = new SparseTraining(method);
        training.onEpochStart(1, 1, STEPS);
        boolean anySparse = sparseEngine && !SparseEngines.forceSparse(net).isEmpty();
        boolean anySparseConv = false;
        for (Layer l : net.children()) anySparseConv |= l instanceof Conv2d conv && conv.usesSparseEngine();
        ExecutionContext ctx = new ExecutionContext(Backend.get().kernels(), pool, SEED).training(true);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        SplittableRandom data = new SplittableRandom(SEED + 1);
        int batch = width == 32 ? BATCH : 32;
        for (int step = 1; step <= STEPS; step++) {
            Tensor x = input(model, batch, width);
            for (int i = 0; i < x.size(); i++) x.data()[i] = (float) data.nextGaussian();
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) labels[i] = data.nextInt(8);
            ctx.denseWeightGradients(training.needsDenseGradient(step));
            opt.zeroGrad();
            loss.forward(net.forward(x, ctx), labels);
            net.backward(loss.backward(), ctx);
            opt.step(lr.at(step - 1, STEPS), pool);
            training.onStep(1, step, 0.0, batch);
        }
        List<float[]> masks = new ArrayList<>();
        List<float[]> weights = new ArrayList<>();
        for (LayerBudget l : method.layers()) {
            Parameter p = l.parameter();
            masks.add(p.hasMask() ? p.mask().values().clone() : null);
            weights.add(p.value().data().clone());
        }
        // optimizer state of every weight is readable (packed state written back) and zero at masked weights
        for (LayerBudget l : method.layers()) {
            if (!l.parameter().hasMask()) continue;
            for (var e : opt.state().entrySet()) {
                if (!e.getKey().startsWith(l.name() + ".")) continue;
                float[] s = e.getValue().data();
                for (int i = 0; i < s.length; i++) {
                    if (!l.parameter().mask().isActive(i)) assertThat(s[i]).as("state %s [%d] at a masked weight", e.getKey(), i).isZero();
                }
            }
        }
        return new Outcome(masks, weights, anySparse, anySparseConv);
    }

    /**
     * The sparse engine's step split over 3 threads (transposes, W^T gather, products, optimizer) gives the same
     * bits as on one thread: every split writes each element from one thread in a fixed order.
     */
    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("threadCases")
    void sparseEngineResultsDoNotDependOnThreads(SparsityMethodContractTest.Case c, String optimizer) {
        Outcome serial = train(c, optimizer, true, "mlp", 1024, ComputePool.serial());
        Outcome threaded;
        try (ComputePool pool = ComputePool.ofThreads(3)) {
            threaded = train(c, optimizer, true, "mlp", 1024, pool);
        }
        for (int i = 0; i < serial.masks().size(); i++) {
            assertThat(threaded.masks().get(i)).as("%s, %s: mask of layer %d", c.label(), optimizer, i).isEqualTo(serial.masks().get(i));
            assertThat(threaded.weights().get(i)).as("%s, %s: weights of layer %d", c.label(), optimizer, i).isEqualTo(serial.weights().get(i));
        }
    }

    static Stream<Object[]> threadCases() {
        return SparsityMethodContractTest.methods().flatMap(c -> Stream.of(new Object[] {c, "sgd"}, new Object[] {c, "adamw"}));
    }

    @ParameterizedTest(name = "{0}, {1}, {2}")
    @MethodSource("cases")
    void sparseAndMaskedEnginesAgree(SparsityMethodContractTest.Case c, String optimizer, String model) {
        Outcome masked = train(c, optimizer, false, model);
        Outcome sparse = train(c, optimizer, true, model);
        if (!c.label().startsWith("nm:")) {
            assertThat(sparse.anySparse()).as("%s, %s: layers on the sparse engine", c.label(), model).isTrue();
            if (model.equals("cnn")) assertThat(sparse.anySparseConv()).as("%s: a Conv2d on the sparse engine", c.label()).isTrue();
        }
        for (int i = 0; i < masked.masks().size(); i++) {
            assertThat(sparse.masks().get(i)).as("%s, %s, %s, seed %d: mask of layer %d", c.label(), optimizer, model, SEED, i)
                    .isEqualTo(masked.masks().get(i));
            float[] a = sparse.weights().get(i), b = masked.weights().get(i);
            for (int j = 0; j < a.length; j++) {
                assertThat(a[j]).as("%s, %s, %s, seed %d: weight %d of layer %d", c.label(), optimizer, model, SEED, j, i)
                        .isCloseTo(b[j], within(2e-4f * (1 + Math.abs(b[j]))));
            }
        }
    }
}
