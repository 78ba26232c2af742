package dev.sparrow.io;

import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.optim.Optimizer;
import dev.sparrow.tensor.Tensor;
import dev.sparrow.train.TrainingCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class CheckpointTest {
    private static final long SEED = 7;

    @TempDir
    Path dir;

    /** A layer with a weight, a bias and one buffer; forward/backward are not needed here. */
    static final class FakeLayer implements Layer {
        final Parameter weight;
        final Parameter bias;
        final Tensor runningMean;

        FakeLayer(int in, int out) {
            weight = new Parameter("weight", Tensor.zeros(out, in), true);
            bias = new Parameter("bias", Tensor.zeros(out), false);
            runningMean = Tensor.zeros(out);
        }

        @Override public Tensor forward(Tensor input, ExecutionContext ctx) { throw new UnsupportedOperationException(); }
        @Override public Tensor backward(Tensor gradOutput, ExecutionContext ctx) { throw new UnsupportedOperationException(); }
        @Override public int[] outputShape(int[] inputShape) { return new int[] {bias.size()}; }
        @Override public List<Parameter> parameters() { return List.of(weight, bias); }
        @Override public Map<String, Tensor> buffers() { return Map.of("running_mean", runningMean); }
        @Override public String describe() { return "Fake(" + weight.value().dim(1) + "->" + weight.value().dim(0) + ")"; }
    }

    /** A container so that names get index prefixes ("0.weight", "1.bias"). */
    record FakeSequential(List<Layer> children) implements Layer {
        @Override public Tensor forward(Tensor input, ExecutionContext ctx) { throw new UnsupportedOperationException(); }
        @Override public Tensor backward(Tensor gradOutput, ExecutionContext ctx) { throw new UnsupportedOperationException(); }
        @Override public int[] outputShape(int[] inputShape) { return inputShape; }
        @Override public String describe() { return "FakeSequential" + children.stream().map(Layer::describe).toList(); }
    }

    /** Momentum per parameter plus a step counter stored as a one-element tensor, like SGD would. */
    static final class FakeOptimizer implements Optimizer {
        final Map<String, Tensor> state = new LinkedHashMap<>();
        final Tensor step = Tensor.zeros(1);

        FakeOptimizer(Layer model) {
            for (Map.Entry<String, Parameter> e : Modules.namedParameters(model).entrySet()) {
                state.put(e.getKey() + ".momentum", Tensor.zeros(e.getValue().value().shape()));
            }
            state.put("step", step);
        }

        @Override public void step(float learningRate) { step.set(0, step.get(0) + 1); }
        @Override public void zeroGrad() {}
        @Override public long stepCount() { return (long) step.get(0); }
        @Override public Map<String, Tensor> state() { return state; }
        @Override public void loadState(Map<String, Tensor> saved) {
            if (!saved.keySet().equals(state.keySet())) throw new IllegalArgumentException("names differ: " + saved.keySet());
            for (Map.Entry<String, Tensor> e : saved.entrySet()) state.get(e.getKey()).copyFrom(e.getValue());
        }
        @Override public void resetState(String parameterName, int[] flatIndices) {}
        @Override public String describe() { return "fake(momentum=0.9)"; }
    }

    private static FakeSequential model(int in, int hidden, int out) {
        return new FakeSequential(List.of(new FakeLayer(in, hidden), new FakeLayer(hidden, out)));
    }

    private static void randomize(Layer model, FakeOptimizer opt, SplittableRandom rnd) {
        for (Parameter p : Modules.namedParameters(model).values()) fill(p.value(), rnd);
        for (Tensor b : Modules.namedBuffers(model).values()) fill(b, rnd);
        if (opt != null) {
            for (Tensor t : opt.state().values()) fill(t, rnd);
            opt.step.set(0, 1234);
        }
    }

    private static void fill(Tensor t, SplittableRandom rnd) {
        for (int i = 0; i < t.size(); i++) t.set(i, (float) rnd.nextGaussian());
    }

    private static Mask randomMask(int size, double density, SplittableRandom rnd) {
        float[] keep = new float[size];
        for (int i = 0; i < size; i++) keep[i] = rnd.nextDouble() < density ? 1f : 0f;
        return Mask.of(keep);
    }

    @Test
    void roundTripsValuesMasksBuffersOptimizerStateAndMetadata() throws IOException {
        SplittableRandom rnd = new SplittableRandom(SEED);
        FakeSequential saved = model(5, 4, 3);
        FakeOptimizer savedOpt = new FakeOptimizer(saved);
        randomize(saved, savedOpt, rnd);
        FakeLayer first = (FakeLayer) saved.children().get(0);
        first.weight.setMask(randomMask(20, 0.3, rnd));
        Map<String, String> meta = Checkpoint.metadata("{\"lr\":0.1,\"model\":\"mlp\"}", 3, 120);
        meta.put("sparrow.rng", "splittable:12345");
        Path file = dir.resolve("ckpt.safetensors");

        TrainingCheckpoint.save(file, saved, savedOpt, Map.of(), meta);

        FakeSequential restored = model(5, 4, 3);
        FakeOptimizer restoredOpt = new FakeOptimizer(restored);
        randomize(restored, restoredOpt, new SplittableRandom(SEED + 1));
        CheckpointData data = Checkpoint.read(file);
        TrainingCheckpoint.restore(data, restored, restoredOpt);

        Map<String, Parameter> expected = Modules.namedParameters(saved);
        Map<String, Parameter> actual = Modules.namedParameters(restored);
        assertThat(actual.keySet()).containsExactly("0.weight", "0.bias", "1.weight", "1.bias");
        for (String name : expected.keySet()) {
            assertThat(actual.get(name).value().data()).as("%s (seed %d)", name, SEED).containsExactly(expected.get(name).value().data());
        }
        FakeLayer restoredFirst = (FakeLayer) restored.children().get(0);
        assertThat(restoredFirst.weight.mask().values()).containsExactly(first.weight.mask().values());
        for (int i = 0; i < 20; i++) {
            if (!restoredFirst.weight.mask().isActive(i)) assertThat(restoredFirst.weight.value().get(i)).isZero();
        }
        assertThat(actual.get("1.weight").hasMask()).isFalse();
        Map<String, Tensor> expectedBuffers = Modules.namedBuffers(saved);
        Map<String, Tensor> actualBuffers = Modules.namedBuffers(restored);
        for (String name : expectedBuffers.keySet()) {
            assertThat(actualBuffers.get(name).data()).as(name).containsExactly(expectedBuffers.get(name).data());
        }
        for (String key : savedOpt.state().keySet()) {
            assertThat(restoredOpt.state().get(key).data()).as(key).containsExactly(savedOpt.state().get(key).data());
        }
        assertThat(restoredOpt.stepCount()).isEqualTo(1234);

        assertThat(data.formatVersion()).isEqualTo(Checkpoint.FORMAT_VERSION);
        assertThat(data.config()).contains("{\"lr\":0.1,\"model\":\"mlp\"}");
        assertThat(data.epoch()).hasValue(3);
        assertThat(data.globalStep()).hasValue(120);
        assertThat(data.metadata()).containsEntry("sparrow.rng", "splittable:12345")
                .containsEntry(Checkpoint.MODEL_KEY, "FakeSequential[Fake(5->4), Fake(4->3)]")
                .containsEntry(Checkpoint.OPTIMIZER_KEY, "fake(momentum=0.9)")
                .containsEntry(Checkpoint.OPTIMIZER_STEP_KEY, "1234")
                .containsEntry(Checkpoint.BUFFERS_KEY, "[\"0.running_mean\",\"1.running_mean\"]");
    }

    @Test
    void fileUsesTheDocumentedNamesAndDtypes() throws IOException {
        SplittableRandom rnd = new SplittableRandom(SEED);
        FakeSequential m = model(3, 2, 2);
        FakeOptimizer opt = new FakeOptimizer(m);
        randomize(m, opt, rnd);
        ((FakeLayer) m.children().get(1)).weight.setMask(Mask.of(new float[] {1, 0, 0, 1}));
        Path file = dir.resolve("names.safetensors");
        TrainingCheckpoint.save(file, m, opt, Map.of(), Map.of());

        SafetensorsFile raw = SafetensorsReader.read(file);
        assertThat(raw.tensors().keySet()).containsExactly(
                "0.weight", "0.bias", "1.weight", "1.bias", "1.weight.mask", "0.running_mean", "1.running_mean",
                "optim.0.weight.momentum", "optim.0.bias.momentum", "optim.1.weight.momentum", "optim.1.bias.momentum", "optim.step");
        TensorData mask = raw.tensors().get("1.weight.mask");
        assertThat(mask.dtype()).isEqualTo(DType.U8);
        assertThat(mask.shape()).containsExactly(2, 2);
        assertThat(mask.toU8()).containsExactly(1, 0, 0, 1);
        assertThat(raw.tensors().get("0.weight").dtype()).isEqualTo(DType.F32);
        assertThat(raw.tensors().get("0.weight").shape()).containsExactly(2, 3);
        assertThat(raw.metadata()).containsEntry(Checkpoint.FORMAT_VERSION_KEY, "1");
    }

    @Test
    void shapeMismatchIsRejectedNamingTheTensorAndLeavesTheModelUntouched() throws IOException {
        FakeSequential saved = model(5, 4, 3);
        randomize(saved, null, new SplittableRandom(SEED));
        Path file = dir.resolve("a.safetensors");
        Checkpoint.save(file, saved, null, Map.of());

        FakeSequential other = model(6, 4, 3);
        randomize(other, null, new SplittableRandom(SEED + 1));
        float[] before = other.children().get(1).parameters().get(0).value().data().clone();
        assertThatThrownBy(() -> Checkpoint.read(file).restoreInto(other))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parameter '0.weight' has shape [4, 5] in the checkpoint; the model expects [4, 6]");
        assertThat(other.children().get(1).parameters().get(0).value().data())
                .as("nothing restored when anything is wrong").containsExactly(before);
    }

    @Test
    void missingAndExtraTensorsAreListedByName() throws IOException {
        FakeSequential saved = model(2, 2, 2);
        Path file = dir.resolve("b.safetensors");
        Checkpoint.save(file, saved, null, Map.of());

        FakeSequential bigger = new FakeSequential(List.of(new FakeLayer(2, 2), new FakeLayer(2, 2), new FakeLayer(2, 1)));
        assertThatThrownBy(() -> Checkpoint.read(file).restoreInto(bigger))
                .hasMessageContaining("parameter '2.weight' [1, 2] is missing from the checkpoint")
                .hasMessageContaining("parameter '2.bias' [1] is missing")
                .hasMessageContaining("buffer '2.running_mean' [1] is missing");

        FakeSequential smaller = new FakeSequential(List.of(new FakeLayer(2, 2)));
        assertThatThrownBy(() -> Checkpoint.read(file).restoreInto(smaller))
                .hasMessageContaining("tensor '1.weight' is in the checkpoint but the model has no such parameter, mask or buffer");
    }

    @Test
    void optimizerStateMismatchIsRejected() throws IOException {
        FakeSequential saved = model(2, 2, 2);
        Path file = dir.resolve("c.safetensors");
        Checkpoint.save(file, saved, null, Map.of());
        FakeSequential target = model(2, 2, 2);
        assertThatThrownBy(() -> TrainingCheckpoint.restore(Checkpoint.read(file), target, new FakeOptimizer(target)))
                .hasMessageContaining("optimizer state 'optim.0.weight.momentum' [2, 2] is missing from the checkpoint");
        Checkpoint.read(file).restoreInto(target); // weights only: fine
    }

    @Test
    void restoringADenseCheckpointRemovesAMask() throws IOException {
        FakeSequential dense = model(2, 2, 2);
        randomize(dense, null, new SplittableRandom(SEED));
        Path file = dir.resolve("d.safetensors");
        Checkpoint.save(file, dense, null, Map.of());
        FakeSequential masked = model(2, 2, 2);
        ((FakeLayer) masked.children().get(0)).weight.setMask(Mask.of(new float[] {0, 0, 0, 1}));
        Checkpoint.read(file).restoreInto(masked);
        assertThat(((FakeLayer) masked.children().get(0)).weight.hasMask()).isFalse();
        assertThat(((FakeLayer) masked.children().get(0)).weight.value().data())
                .containsExactly(((FakeLayer) dense.children().get(0)).weight.value().data());
    }

    @Test
    void invalidMaskValuesAreRejected() throws IOException {
        Path file = dir.resolve("e.safetensors");
        FakeSequential m = model(2, 2, 2);
        Map<String, TensorSource> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : Modules.namedParameters(m).entrySet()) tensors.put(e.getKey(), TensorSource.of(e.getValue().value()));
        for (Map.Entry<String, Tensor> e : Modules.namedBuffers(m).entrySet()) tensors.put(e.getKey(), TensorSource.of(e.getValue()));
        tensors.put("0.weight.mask", TensorData.u8(new byte[] {1, 2, 0, 1}, 2, 2));
        SafetensorsWriter.write(file, tensors, Map.of());
        assertThatThrownBy(() -> Checkpoint.read(file).restoreInto(m))
                .hasMessageContaining("mask '0.weight.mask' has value 2 at 1; expected 0 or 1");
    }

    @Test
    void nameCollisionsAreRejectedOnSave() {
        Layer clash = new Layer() {
            final Parameter w = new Parameter("w", Tensor.zeros(2), true);
            final Parameter wMask = new Parameter("w.mask", Tensor.zeros(2), true);
            { w.setMask(Mask.dense(2)); }
            @Override public Tensor forward(Tensor input, ExecutionContext ctx) { return input; }
            @Override public Tensor backward(Tensor g, ExecutionContext ctx) { return g; }
            @Override public int[] outputShape(int[] s) { return s; }
            @Override public List<Parameter> parameters() { return List.of(w, wMask); }
            @Override public String describe() { return "Clash"; }
        };
        assertThatThrownBy(() -> Checkpoint.save(dir.resolve("f.safetensors"), clash, null, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two checkpoint tensors are named 'w.mask'");
        assertThatThrownBy(() -> Checkpoint.save(dir.resolve("g.safetensors"), model(1, 1, 1), null, Map.of(Checkpoint.FORMAT_VERSION_KEY, "9")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not set sparrow.format_version");
    }

    @Test
    void rejectsAnUnknownFormatVersion() throws IOException {
        Path file = dir.resolve("h.safetensors");
        SafetensorsWriter.write(file, Map.of(), Map.of(Checkpoint.FORMAT_VERSION_KEY, "99"));
        assertThatThrownBy(() -> Checkpoint.read(file)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("checkpoint format version \"99\" is not supported; expected \"1\"");
    }

    @Test
    void summaryReportsKindsShapesAndSparsity() throws IOException {
        FakeSequential m = model(5, 4, 3);
        FakeOptimizer opt = new FakeOptimizer(m);
        float[] keep = new float[20];
        for (int i = 0; i < 5; i++) keep[i] = 1f; // 75% sparse
        ((FakeLayer) m.children().get(0)).weight.setMask(Mask.of(keep));
        Path file = dir.resolve("s.safetensors");
        TrainingCheckpoint.save(file, m, opt, Map.of(), Checkpoint.metadata("{}", 1, 10));

        CheckpointData data = Checkpoint.read(file);
        List<TensorSummary> rows = data.summary();
        Map<String, TensorSummary> byName = new LinkedHashMap<>();
        for (TensorSummary r : rows) byName.put(r.name(), r);
        assertThat(byName.get("0.weight").kind()).isEqualTo(TensorSummary.Kind.PARAMETER);
        assertThat(byName.get("0.weight").sparsity().getAsDouble()).isCloseTo(0.75, within(1e-12));
        assertThat(byName.get("0.weight.mask").kind()).isEqualTo(TensorSummary.Kind.MASK);
        assertThat(byName.get("0.weight.mask").sparsity().getAsDouble()).isCloseTo(0.75, within(1e-12));
        assertThat(byName.get("1.weight").sparsity()).isEmpty();
        assertThat(byName.get("0.running_mean").kind()).isEqualTo(TensorSummary.Kind.BUFFER);
        assertThat(byName.get("optim.step").kind()).isEqualTo(TensorSummary.Kind.OPTIMIZER);
        assertThat(byName.get("1.weight").shape()).containsExactly(3, 4);
        assertThat(byName.get("1.weight").elements()).isEqualTo(12);

        String text = data.describe();
        // 20 + 4 + 12 + 3 = 39 parameters; 15 of 0.weight pruned -> 24 active
        assertThat(text).contains("0.weight", "75.00%", "sparrow.epoch = 1", "parameters: 39, active: 24 (38.46% sparse)");
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n")));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("0\\.weight\\.mask\\s+mask\\s+U8\\s+\\[4, 5]\\s+20\\s+75\\.00%"));
    }
}
