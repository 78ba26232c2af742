package dev.sparrow.cli;

import dev.sparrow.util.Json;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code sparrow bench train}: its JSON lines, and the per-phase breakdown of --explain (values not timed here). */
class BenchTrainCommandTest {

    @Test
    @SuppressWarnings("unchecked")
    void explainAddsThePhaseBreakdownToTheSparseEnginesLine() {
        SparrowCliTest.Run r = SparrowCliTest.run("bench", "train", "--model", "mlp", "--method", "srigl", "--sparsity", "0.9",
                "--batch", "8", "--threads", "2", "--warmup-ms", "20", "--measure-ms", "20", "--explain", "--explain-steps", "5",
                "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(3);
        Map<String, Object> sparse = Json.parseObject(lines[2], Json.Limits.of(1 << 20));
        assertThat(sparse.get("engine")).isEqualTo("sparse");
        Map<String, Object> explain = (Map<String, Object>) sparse.get("explain");
        assertThat(explain).containsKeys("ordinary_step", "mask_update_step", "mask_update_every", "phase_on_pool",
                "serial_ms", "pooled_ms", "serial_fraction_1_thread", "amdahl_ms_16_threads", "amdahl_speedup_1_to_16");
        Map<String, Object> ordinary = (Map<String, Object>) explain.get("ordinary_step");
        Map<String, Object> phases = (Map<String, Object>) ordinary.get("phases_ms");
        assertThat(phases).containsKeys("transposes", "forward_spmm", "weight_grad", "input_grad", "optimizer", "loss", "mask_update");
        assertThat(((Number) ordinary.get("steps")).intValue()).isEqualTo(5);
        assertThat(((Number) phases.get("mask_update")).doubleValue()).as("no mask update on an ordinary step").isZero();
        Map<String, Object> update = (Map<String, Object>) explain.get("mask_update_step");
        assertThat(((Number) update.get("steps")).intValue()).isEqualTo(1);
        assertThat(((Number) explain.get("mask_update_every")).longValue()).isEqualTo(100);
        assertThat(Json.parseObject(lines[0], Json.Limits.of(1 << 20))).doesNotContainKey("explain");
    }

    @Test
    void theBreakdownIsOnByDefaultAndNoExplainSkipsIt() {
        for (boolean off : new boolean[] {false, true}) {
            SparrowCliTest.Run r = off
                    ? SparrowCliTest.run("bench", "train", "--model", "mlp", "--batch", "4", "--warmup-ms", "10", "--measure-ms", "10",
                            "--explain-steps", "2", "--json", "--no-explain")
                    : SparrowCliTest.run("bench", "train", "--model", "mlp", "--batch", "4", "--warmup-ms", "10", "--measure-ms", "10",
                            "--explain-steps", "2", "--json");
            assertThat(r.exit()).as(r.err()).isZero();
            String[] lines = r.out().strip().split("\n");
            Map<String, Object> sparse = Json.parseObject(lines[2], Json.Limits.of(1 << 20));
            if (off) assertThat(sparse).doesNotContainKey("explain");
            else assertThat(sparse).containsKey("explain");
        }
    }

    @Test
    void explainInTextShowsTheTable() {
        SparrowCliTest.Run r = SparrowCliTest.run("bench", "train", "--model", "mlp", "--method", "set", "--sparsity", "0.9",
                "--batch", "4", "--warmup-ms", "10", "--measure-ms", "10", "--explain", "--explain-steps", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("per phase, medians (ms), 1 thread(s)", "transposes", "serial fraction at 1 thread",
                "Amdahl for 16 threads");
    }
}
