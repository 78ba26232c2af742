package dev.sparrow.cuda;

import dev.sparrow.graph.ModelGraph;
import dev.sparrow.infer.Device;
import dev.sparrow.infer.DeviceProvider;
import dev.sparrow.infer.InferenceSession;
import dev.sparrow.infer.Predictor;
import dev.sparrow.io.ModelSpec;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * sparrow-cuda as sparrow-core's {@link Device#CUDA} provider: found by ServiceLoader; where there is no GPU (CI,
 * this machine) its reason is the backend's one line and {@code open()} gives the CPU session saying so; on a GPU it
 * gives a {@link CudaSession} that agrees with the CPU session.
 */
class CudaDeviceProviderTest {

    @Test
    void serviceLoaderFindsTheCudaProviderAndItsReasonIsTheBackendsLine() {
        DeviceProvider p = DeviceProvider.find(Device.CUDA).orElseThrow();
        assertThat(p).isInstanceOf(CudaDeviceProvider.class);
        assertThat(p.device()).isEqualTo(Device.CUDA);
        assertThat(p.unsupportedReason()).isEqualTo(java.util.Optional.ofNullable(CudaSession.unsupportedReason()));
        assertThat(DeviceProvider.unavailableReason(Device.CUDA)).isEqualTo(p.unsupportedReason());
    }

    @Test
    void withoutAGpuOpenRunsTheCpuSessionAndSaysWhyInOneLine() {
        String why = CudaSession.unsupportedReason();
        assumeFalse(why == null, "a GPU is present: see openRunsACudaSessionThatAgreesWithTheCpu");
        ModelGraph g = CudaSessionTest.mlp(new int[] {32, 24, 10}, 0.75, 3, false);
        List<String> said = new ArrayList<>();
        float[] x = CudaSessionTest.input(2 * 32, 4);
        try (Predictor p = InferenceSession.builder(g).batchSize(2).tuning(false).device(Device.CUDA).onFallback(said::add).open();
             InferenceSession cpu = InferenceSession.builder(g).batchSize(2).tuning(false).build()) {
            assertThat(p).isInstanceOf(InferenceSession.class);
            assertThat(p.device()).isEqualTo(Device.CPU);
            float[] got = new float[20], want = new float[20];
            p.predictBatch(x, 2, got);
            cpu.predictBatch(x, 2, want);
            assertThat(got).containsExactly(want);
        }
        assertThat(said).containsExactly("device CUDA unavailable: " + why + "; the session runs on the CPU");
        assertThat(why).doesNotContain("\n");
    }

    @Test
    void openRunsACudaSessionThatAgreesWithTheCpu() {
        CudaSessionTest.gpu();
        Sequential m = ModelZoo.mlp(new int[] {40}, new int[] {64, 32}, 10, new SplittableRandom(8));
        ModelSpec spec = new ModelSpec("mlp", new int[] {40}, ModelSpec.numberedClasses(10), 0.25f, 0.5f);
        Tensor x = Tensor.wrap(CudaSessionTest.input(16 * 40, 9), 16, 40);
        try (Predictor p = InferenceSession.builder(m, 40).batchSize(16).spec(spec).device(Device.CUDA)
                .onFallback(l -> { throw new AssertionError(l); }).open();
             InferenceSession cpu = InferenceSession.builder(m, 40).batchSize(16).tuning(false).spec(spec).build()) {
            assertThat(p).isInstanceOf(CudaSession.class);
            assertThat(p.device()).isEqualTo(Device.CUDA);
            assertThat(p.spec()).contains(spec);
            assertThat(CudaSessionTest.relError(p.predict(x).data(), cpu.predict(x).data())).isLessThan(CudaSessionTest.TOLERANCE);
            float[] sample = java.util.Arrays.copyOf(x.data(), 40);
            assertThat(p.classify(sample, 3).getFirst().index()).isEqualTo(cpu.classify(sample, 3).getFirst().index());
        }
    }
}
