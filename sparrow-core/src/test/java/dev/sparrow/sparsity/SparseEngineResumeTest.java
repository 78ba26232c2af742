package dev.sparrow.sparsity;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.CheckpointData;
import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
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
import dev.sparrow.train.TrainingCheckpoint;
import dev.sparrow.train.EpochResult;
import dev.sparrow.train.RunDirectory;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.train.TrainListener;
import dev.sparrow.train.TrainingRun;
import dev.sparrow.util.Json;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A run on the sparse training engine, stopped after an epoch and resumed from its checkpoint, ends bit for bit
 * where the uninterrupted run ends: every parameter, mask, optimizer state and sparsity state, for every sparse
 * method whose layers can be packed, with SGD momentum and AdamW (both keep per-weight state). The suite chooses
 * engines by sparsity alone (-Dsparrow.train.untimedEngines=true), so at 90% uniform every sparse layer is packed
 * in both runs.
 */
class SparseEngineResumeTest {
    private static final long SEED = 11;
    private static final int EPOCHS = 3;

    static Stream<Object[]> cases() {
        List<SparsityConfig> methods = List.of(
                config("static", 0, 0), config("set", 0, 0), config("rigl", 0, 0), config("srigl", 0, 0),
                config("static", 4, 0), config("rigl", 4, 0),
                config("static", 0, 10).withDenseEnds(false, true), config("rigl", 0, 10).withDenseEnds(false, true));
        return Stream.concat(methods.stream().flatMap(m -> Stream.of(new Object[] {m, "sgd", "mlp"}, new Object[] {m, "adamw", "mlp"})),
                Stream.<Object[]>of(new Object[] {config("srigl", 0, 0), "sgd", "cnn"}));
    }

    /** 90% uniform, mask updates every 3 steps until 75% of the run: updates before and after the checkpoint. */
    private static SparsityConfig config(String method, int block, int complementary) {
        return new SparsityConfig(method, 0.9, "uniform", false, false, 3, 0.75, 0.3, true, 0.3, true, block, complementary);
    }

    private static TrainConfig train(SparsityConfig sparsity, String optimizer, String model) {
        return new TrainConfig(model, TrainConfig.DATASET_FASHION_MNIST, null, EPOCHS, 32, optimizer, 0.01, 0.9, false,
                5e-4, "cosine", 0, 0, false, SEED, 1, sparsity);
    }

    private static TrainingRun.Data data() {
        return new TrainingRun.Data(SparseTrainingEndToEndTest.generated("train", 200, SEED),
                SparseTrainingEndToEndTest.generated("test", 64, SEED + 1), 0.4f, 0.25f);
    }

    @ParameterizedTest(name = "{0}, {1}, {2}")
    @MethodSource("cases")
    void resumedRunOnTheSparseEngineEqualsTheUninterruptedOne(SparsityConfig sparsity, String optimizer, String model,
                                                              @TempDir Path dir) throws IOException {
        TrainConfig config = train(sparsity, optimizer, model);
        TrainingRun.Outcome straight = TrainingRun.run(config, data(), dir.resolve("a"), null, null, TrainListener.NONE, "sparse");
        assertThat(engines(dir.resolve("a"))).as("%s, seed %d: engines", sparsity.label(), SEED).isNotEmpty().allMatch("sparse"::equals);
        TrainListener crash = new TrainListener() {
            @Override
            public void onEpochEnd(EpochResult r) {
                if (r.epoch() == 2) throw new IllegalStateException("simulated crash");
            }
        };
        assertThatThrownBy(() -> TrainingRun.run(config, data(), dir.resolve("c"), null, null, crash, "sparse"))
                .hasMessage("simulated crash");
        TrainingRun.Outcome resumed = TrainingRun.run(config, data(), dir.resolve("c"),
                dir.resolve("c").resolve(RunDirectory.CHECKPOINT), null, TrainListener.NONE, "sparse");

        var a = Checkpoint.read(straight.checkpoint()).tensors();
        var c = Checkpoint.read(resumed.checkpoint()).tensors();
        assertThat(c.keySet()).isEqualTo(a.keySet());
        for (String name : a.keySet()) {
            assertThat(c.get(name).bytes()).as("%s, %s, seed %d: tensor %s", sparsity.label(), optimizer, SEED, name)
                    .isEqualTo(a.get(name).bytes());
        }
        assertThat(resumed.testAccuracy()).isEqualTo(straight.testAccuracy());
    }

    static Stream<Object[]> everyMethod() {
        return EngineEquivalenceTest.cases();
    }

    private static final int STEPS = 30;
    private static final int STOP_AFTER = 13;

    /**
     * Every method of {@link SparsityMethodContractTest} (gradual ones included, whose layers TrainingRun leaves on
     * the masked engine because they start dense), forced onto the sparse engine, on the small MLP and the small CNN
     * of {@link EngineEquivalenceTest}: STEPS steps straight against STOP_AFTER steps, a checkpoint file, a fresh
     * model restored from it, and the rest. Mask updates fall on both sides of the stop.
     */
    @ParameterizedTest(name = "{0}, {1}, {2}")
    @MethodSource("everyMethod")
    void everyMethodForcedOntoTheSparseEngineResumesBitForBit(SparsityMethodContractTest.Case c, String optimizer,
                                                               String model, @TempDir Path dir) throws IOException {
        Steps straight = Steps.start(c.config(), optimizer, SEED, model);
        if (!c.label().startsWith("nm:")) assertThat(straight.sparseLayers).as("%s: layers on the sparse engine", c.label()).isPositive();
        straight.run(1, STEPS);

        Steps first = Steps.start(c.config(), optimizer, SEED, model);
        first.run(1, STOP_AFTER);
        Path file = dir.resolve("checkpoint.safetensors");
        first.save(file);
        Steps resumed = Steps.resume(c.config(), optimizer, file, model);
        resumed.run(STOP_AFTER + 1, STEPS);

        Map<String, byte[]> a = straight.everything(), b = resumed.everything();
        assertThat(b.keySet()).isEqualTo(a.keySet());
        for (String name : a.keySet()) {
            assertThat(b.get(name)).as("%s, %s, %s, seed %d: %s after %d steps", c.label(), optimizer, model, SEED, name, STEPS)
                    .isEqualTo(a.get(name));
        }
    }

    /** A small MLP or CNN trained step by step as Trainer does, its masked layers forced onto the sparse engine. */
    private static final class Steps {
        final Sequential net;
        final Map<String, Parameter> params;
        final Optimizer opt;
        final SparsityMethod method;
        final SparseTraining training;
        final LrSchedule lr = LrSchedules.constant(0.05f);
        final ExecutionContext ctx = new ExecutionContext(Backend.get().kernels(), ComputePool.serial(), SEED).training(true);
        final int sparseLayers;
        final String model;

        private Steps(SparsityConfig config, String optimizer, long initSeed, Path from, String model) throws IOException {
            this.model = model;
            SplittableRandom init = new SplittableRandom(initSeed);
            net = EngineEquivalenceTest.model(model, init);
            params = Modules.namedParameters(net);
            opt = optimizer.equals("sgd") ? Sgd.builder(params).momentum(0.9f).weightDecay(5e-4f).build()
                    : AdamW.builder(params).weightDecay(0.01f).build();
            if (from == null) {
                method = config.start(params, opt, new SplittableRandom(SEED), lr);
            } else {
                CheckpointData saved = Checkpoint.read(from);
                TrainingCheckpoint.restore(saved, net, opt);
                method = config.resume(params, opt, new SplittableRandom(SEED), lr, saved.sparsityState());
            }
            training = new SparseTraining(method);
            training.onEpochStart(1, 1, STEPS);
            sparseLayers = SparseEngines.forceSparse(net).size();
        }

        static Steps start(SparsityConfig config, String optimizer, long seed, String model) throws IOException {
            return new Steps(config, optimizer, seed, null, model);
        }

        /** From a checkpoint into a model drawn from another seed, so that nothing but the checkpoint carries over. */
        static Steps resume(SparsityConfig config, String optimizer, Path file, String model) throws IOException {
            return new Steps(config, optimizer, SEED + 100, file, model);
        }

        void run(int from, int to) {
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            for (int step = from; step <= to; step++) {
                SplittableRandom data = new SplittableRandom(SEED * 1_000 + step);
                Tensor x = EngineEquivalenceTest.input(model, 12);
                for (int i = 0; i < x.size(); i++) x.data()[i] = (float) data.nextGaussian();
                int[] labels = new int[12];
                for (int i = 0; i < labels.length; i++) labels[i] = data.nextInt(8);
                ctx.denseWeightGradients(training.needsDenseGradient(step));
                opt.zeroGrad();
                loss.forward(net.forward(x, ctx), labels);
                net.backward(loss.backward(), ctx);
                opt.step(lr.at(step - 1, STEPS));
                training.onStep(1, step, 0.0, 12);
            }
        }

        void save(Path file) throws IOException {
            TrainingCheckpoint.save(file, net, opt, method.state(), Map.of());
        }

        /** Every parameter, mask, optimizer state and sparsity state, as bytes. */
        Map<String, byte[]> everything() {
            Map<String, byte[]> out = new java.util.TreeMap<>();
            for (var e : params.entrySet()) {
                out.put(e.getKey(), bytes(e.getValue().value().data()));
                if (e.getValue().hasMask()) out.put(e.getKey() + ".mask", bytes(e.getValue().mask().values()));
            }
            for (var e : opt.state().entrySet()) out.put("optim." + e.getKey(), bytes(e.getValue().data()));
            for (var e : method.state().entrySet()) out.put("sparsity." + e.getKey(), bytes(e.getValue().data()));
            return out;
        }

        private static byte[] bytes(float[] values) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(values.length * 4);
            for (float v : values) b.putInt(Float.floatToRawIntBits(v));
            return b.array();
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> engines(Path run) throws IOException {
        Map<String, Object> summary = Json.parseObject(Files.readString(run.resolve(RunDirectory.SUMMARY)), Json.Limits.of(1 << 20));
        return ((List<Map<String, Object>>) summary.get("engines")).stream().map(m -> (String) m.get("engine")).toList();
    }
}
