package dev.sparrow.cli;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.layers.Linear;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class BenchModelCommandTest {
    /** Tiny budgets: the run checks wiring and values (outputs agree, fields present), not speed. */
    private static final String[] FAST = {"--threads", "1", "--warmup-ms", "1", "--measure-ms", "5", "--tune-ms", "1"};

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = SparrowCli.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** An mlp-32-16 checkpoint for Fashion-MNIST-shaped input whose Linear layers keep 10% of their weights (seed 5). */
    static Path tinyCheckpoint(Path dir) throws Exception {
        Sequential m = ModelZoo.create("mlp-32-16", BenchModelCommand.FASHION_MNIST_SHAPE, 10, 5);
        SplittableRandom rng = new SplittableRandom(5);
        int masked = 0;
        for (int i = 0; i < m.size(); i++) {
            Layer l = m.get(i);
            if (!(l instanceof Linear lin)) continue;
            float[] keep = new float[lin.inFeatures() * lin.outFeatures()];
            for (int j = 0; j < keep.length; j++) keep[j] = rng.nextDouble() < 0.1 ? 1f : 0f;
            lin.weight().setMask(dev.sparrow.nn.Mask.of(keep));
            lin.weight().mask().apply(lin.weight().value().data());
            masked++;
        }
        assertThat(masked).isEqualTo(3);
        Map<String, Object> config = new LinkedHashMap<>(TrainConfig.defaults().toJson());
        config.put("model", "mlp-32-16");
        Path file = dir.resolve("tiny.safetensors");
        Checkpoint.save(file, m, null, Checkpoint.metadata(Json.write(config), 1, 10));
        return file;
    }

    @Test
    void jsonHasOneRowPerBatchWithAgreeingOutputsAndEveryField(@TempDir Path dir) throws Exception {
        Path ckpt = tinyCheckpoint(dir);
        String[] args = {"bench", "model", ckpt.toString(), "--batch", "1,7", "--json"};
        Run r = run(concat(args, FAST));
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(2);
        int[] batches = {1, 7};
        for (int i = 0; i < 2; i++) {
            Map<String, Object> row = Json.parseObject(lines.get(i), Json.Limits.of(1 << 16));
            assertThat(row).containsKeys("checkpoint", "sparsity", "threads", "batch", "dense_us", "sparse_us",
                    "dense_samples_per_s", "sparse_samples_per_s", "speedup", "dense_max_rel_error",
                    "sparse_max_rel_error", "formats", "machine");
            assertThat(((Number) row.get("batch")).intValue()).isEqualTo(batches[i]);
            assertThat(((Number) row.get("threads")).intValue()).isEqualTo(1);
            assertThat(((Number) row.get("sparsity")).doubleValue()).isBetween(0.85, 0.95);
            assertThat(((Number) row.get("dense_max_rel_error")).doubleValue()).isLessThanOrEqualTo(1e-5);
            assertThat(((Number) row.get("sparse_max_rel_error")).doubleValue()).isLessThanOrEqualTo(1e-5);
            double dense = ((Number) row.get("dense_us")).doubleValue();
            double sparse = ((Number) row.get("sparse_us")).doubleValue();
            assertThat(dense).isPositive();
            assertThat(sparse).isPositive();
            assertThat(((Number) row.get("speedup")).doubleValue()).isCloseTo(dense / sparse,
                    org.assertj.core.data.Offset.offset(0.01 * dense / sparse + 0.002));
            assertThat(((Number) row.get("sparse_samples_per_s")).doubleValue())
                    .isCloseTo(batches[i] * 1e6 / sparse, org.assertj.core.data.Percentage.withPercentage(1));
            @SuppressWarnings("unchecked")
            Map<String, Object> formats = (Map<String, Object>) row.get("formats");
            assertThat(formats).hasSize(3);
        }
    }

    @Test
    void tableShowsMachineBothBatchesAndFormats(@TempDir Path dir) throws Exception {
        Path ckpt = tinyCheckpoint(dir);
        Run r = run(concat(new String[] {"bench", "model", ckpt.toString(), "--batch", "3"}, FAST));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("machine: ").contains("speed-up").contains("sparse formats at batch 3: layer ")
                .contains("match the training forward pass");
    }

    @Test
    void badArgumentsNameTheOption(@TempDir Path dir) throws Exception {
        Run missing = run("bench", "model", dir.resolve("nope.safetensors").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("sparrow bench model").contains("nope.safetensors");
        Path ckpt = tinyCheckpoint(dir);
        Run bad = run("bench", "model", ckpt.toString(), "--batch", "1,x");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--batch").contains("'x'");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
