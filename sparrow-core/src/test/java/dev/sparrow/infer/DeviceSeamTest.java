package dev.sparrow.infer;

import dev.sparrow.io.ModelSpec;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The device seam: {@link InferenceSession.Builder#device} + {@link InferenceSession.Builder#open()} find a
 * {@link DeviceProvider}; where there is none, or it is unsupported here, or it refuses the model, the CPU session
 * runs and one line says why.
 */
class DeviceSeamTest {
    private static final int[] SHAPE = {12};

    private static Sequential model() {
        return InferenceTestModels.mlp(5, 12, new int[] {16}, 4, InferenceTestModels.MaskKind.UNSTRUCTURED, 0.5);
    }

    private static InferenceSession.Builder builder(Sequential m) {
        return InferenceSession.builder(m, SHAPE).batchSize(3).tuning(false);
    }

    /** A provider for tests: unsupported with a reason, refusing at open, or opening a CPU session of the request. */
    private static final class FakeProvider implements DeviceProvider {
        final String unsupported;
        final String refuse;
        final List<DeviceRequest> requests = new ArrayList<>();

        FakeProvider(String unsupported, String refuse) {
            this.unsupported = unsupported;
            this.refuse = refuse;
        }

        @Override
        public Device device() { return Device.CUDA; }

        @Override
        public Optional<String> unsupportedReason() { return Optional.ofNullable(unsupported); }

        @Override
        public Predictor open(DeviceRequest request) {
            requests.add(request);
            if (refuse != null) throw new UnsupportedOperationException(refuse);
            return InferenceSession.builder(request.model().graph()).batchSize(request.batchSize()).tuning(request.tuning()).build();
        }
    }

    @Test
    void theCpuIsTheDefaultAndNeedsNoProvider() {
        try (Predictor p = builder(model()).onFallback(l -> { throw new AssertionError(l); }).open()) {
            assertThat(p).isInstanceOf(InferenceSession.class);
            assertThat(p.device()).isEqualTo(Device.CPU);
        }
        assertThat(DeviceProvider.unavailableReason(Device.CPU)).isEmpty();
    }

    @Test
    void withoutAProviderOnTheClassPathTheCpuRunsAndOneLineSaysWhichModuleIsMissing() {
        // sparrow-core's tests have no sparrow-cuda on the class path
        assertThat(DeviceProvider.find(Device.CUDA)).isEmpty();
        assertThat(DeviceProvider.unavailableReason(Device.CUDA))
                .contains("no provider of device CUDA on the class path (add sparrow-cuda)");
        Sequential m = model();
        List<String> said = new ArrayList<>();
        Tensor x = InferenceTestModels.randomBatch(9, 3, SHAPE);
        try (Predictor p = builder(m).device(Device.CUDA).onFallback(said::add).open();
             InferenceSession cpu = builder(m).build()) {
            assertThat(p.device()).isEqualTo(Device.CPU);
            assertThat(said).containsExactly("device CUDA unavailable: no provider of device CUDA on the class path"
                    + " (add sparrow-cuda); the session runs on the CPU");
            assertThat(p.predict(x).data()).containsExactly(cpu.predict(x).data());
        }
    }

    @Test
    void anUnsupportedProviderIsNotAskedToOpenAndItsReasonIsTheLine() {
        FakeProvider none = new FakeProvider("libcuda.so.1 not found (no NVIDIA driver)", null);
        List<String> said = new ArrayList<>();
        InferenceSession.Builder b = builder(model()).device(Device.CUDA).onFallback(said::add);
        b.providers = List.of(none);
        try (Predictor p = b.open()) {
            assertThat(p.device()).isEqualTo(Device.CPU);
        }
        assertThat(none.requests).isEmpty();
        assertThat(said).containsExactly("device CUDA unavailable: libcuda.so.1 not found (no NVIDIA driver);"
                + " the session runs on the CPU");
    }

    @Test
    void aModelTheDeviceRefusesRunsOnTheCpuAndTheRefusalIsOneLine() {
        FakeProvider refusing = new FakeProvider(null, "node 3 (MaxPool)\nhas no GPU kernel");
        List<String> said = new ArrayList<>();
        InferenceSession.Builder b = builder(model()).device(Device.CUDA).onFallback(said::add);
        b.providers = List.of(refusing);
        try (Predictor p = b.open()) {
            assertThat(p.device()).isEqualTo(Device.CPU);
        }
        assertThat(refusing.requests).hasSize(1);
        assertThat(said).containsExactly("device CUDA unavailable: node 3 (MaxPool); has no GPU kernel; the session runs on the CPU");
    }

    @Test
    void aSupportedProviderGetsTheLoweredModelWithItsMasksBatchTuningAndSpec() {
        FakeProvider gpu = new FakeProvider(null, null);
        Sequential m = model();
        ModelSpec spec = new ModelSpec("mlp", SHAPE, List.of("a", "b", "c", "d"), 0f, 1f);
        InferenceSession.Builder b = builder(m).spec(spec).device(Device.CUDA).onFallback(l -> { throw new AssertionError(l); });
        b.providers = List.of(gpu);
        Tensor x = InferenceTestModels.randomBatch(3, 3, SHAPE);
        try (Predictor p = b.open(); InferenceSession cpu = builder(m).build()) {
            assertThat(p.predict(x).data()).containsExactly(cpu.predict(x).data());
        }
        DeviceRequest r = gpu.requests.getFirst();
        assertThat(r.batchSize()).isEqualTo(3);
        assertThat(r.tuning()).isFalse();
        assertThat(r.spec()).isSameAs(spec);
        assertThat(r.model().graph().inputShape()).containsExactly(SHAPE);
        assertThat(r.model().masks()).isNotEmpty();
    }

    @Test
    void classifyIsThePredictorsOwnNormalisingThenSoftmax() {
        ModelSpec spec = new ModelSpec("mlp", SHAPE, List.of("a", "b", "c", "d"), 0.5f, 2f);
        Sequential m = model();
        float[] raw = InferenceTestModels.randomBatch(4, 1, SHAPE).data();
        try (InferenceSession s = builder(m).spec(spec).build()) {
            float[] x = raw.clone();
            for (int i = 0; i < x.length; i++) x[i] = (x[i] - 0.5f) / 2f;
            assertThat(s.classify(raw, 2)).isEqualTo(Prediction.topK(s.predict(x), 2, spec.classNames()));
        }
    }

    @Test
    void buildIsTheCpuSessionsAndSaysSoWhenAnotherDeviceWasPicked() {
        assertThatThrownBy(() -> builder(model()).device(Device.CUDA).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("device is CUDA: open() builds the session there; build() only builds the CPU session");
        assertThatThrownBy(() -> builder(model()).device(null)).hasMessage("device is null");
        assertThatThrownBy(() -> new DeviceRequest(null, 1, true, null)).hasMessage("model is null");
    }
}
