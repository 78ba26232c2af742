package dev.sparrow.cli;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** 'sparrow inspect' on a k-WTA model: the duty-cycle entropy against its maximum. */
class InspectCommandTest {

    @Test
    void entropyIsMaximalForEvenDutyCyclesAndLowerForUnevenOnes() {
        // 10 units at 0.1 each: the maximum, 10 x H(0.1) = 4.690 bits
        float[] even = new float[10];
        java.util.Arrays.fill(even, 0.1f);
        DutyCycleEntropy e = DutyCycleEntropy.of("x.duty_cycle", even);
        assertThat(e.mean()).isCloseTo(0.1, within(1e-7));
        assertThat(e.max()).isCloseTo(10 * 0.4689955935892812, within(1e-6));
        assertThat(e.ratio()).isCloseTo(1.0, within(1e-6));
        // one unit always wins, the others never: the same mean, entropy ~0
        float[] one = new float[10];
        one[3] = 1f;
        DutyCycleEntropy d = DutyCycleEntropy.of("x.duty_cycle", one);
        assertThat(d.mean()).isCloseTo(0.1, within(1e-7));
        assertThat(d.bits()).isLessThan(1e-5);
        assertThat(d.ratio()).isLessThan(1e-5);
        // half the units at 0.2, half at 0: H(0.2) x 5 of 10 x H(0.1)
        float[] half = {0.2f, 0, 0.2f, 0, 0.2f, 0, 0.2f, 0, 0.2f, 0};
        assertThat(DutyCycleEntropy.of("x", half).ratio()).isCloseTo(5 * 0.7219280948873623 / (10 * 0.4689955935892812), within(1e-5));
        assertThat(DutyCycleEntropy.of("x", new float[4]).ratio()).isZero();
    }

    @Test
    void inspectPrintsTheEntropyOfEveryKwtaLayer(@TempDir Path dir) throws Exception {
        Layer model = ModelZoo.create(ModelZoo.kwtaName("mlp", 0.1), new int[] {1, 8, 8}, 4, 3);
        Map<String, Tensor> buffers = Modules.namedBuffers(model);
        List<String> duty = buffers.keySet().stream().filter(n -> n.endsWith(".duty_cycle")).toList();
        assertThat(duty).hasSize(2);
        for (String name : duty) buffers.get(name).fill(0.1f);
        buffers.get(duty.getFirst()).set(0, 0.5f);
        Path file = dir.resolve("kwta.safetensors");
        Checkpoint.save(file, model, null, Checkpoint.metadata(null, 1, 1));

        // inspect prints to System.out, not to picocli's writer
        java.io.PrintStream saved = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        SparrowCliTest.Run r;
        try {
            System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            r = SparrowCliTest.run("inspect", file.toString());
        } finally {
            System.setOut(saved);
        }
        String out = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(out).contains("k-WTA duty-cycle entropy").contains(duty.get(0)).contains(duty.get(1));
        List<DutyCycleEntropy> rows = DutyCycleEntropy.of(Checkpoint.read(file));
        assertThat(rows).extracting(DutyCycleEntropy::name).containsExactlyElementsOf(duty);
        assertThat(rows.get(1).ratio()).isCloseTo(1.0, within(1e-6));
        assertThat(rows.get(0).ratio()).isLessThan(1.0);
        assertThat(out).contains(String.format(java.util.Locale.ROOT, "%.4f", rows.get(0).ratio()));
    }
}
