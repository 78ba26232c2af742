package dev.sparrow.cli;

import dev.sparrow.graph.GraphEvaluator;
import dev.sparrow.graph.GraphNode;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.graph.Op;
import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.ModelSpec;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.onnx.NpyWriter;
import dev.sparrow.onnx.OnnxImporter;
import dev.sparrow.tensor.Tensor;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** predict, inspect and prune on .onnx files (eval and bench model have their own tests). */
class OnnxCommandsTest {
    /** PyTorch-exported fixtures of the ONNX module (the tests run in the module's folder). */
    private static final Path FIXTURES = Path.of("../sparrow-onnx/src/test/resources/onnx");

    @TempDir
    Path dir;

    @Test
    void predictOnAnExportedModelUsesTheSpecInItsMetadataAndAgreesWithTheCheckpoint() throws Exception {
        Path ckpt = dir.resolve("c.safetensors");
        Sequential model = ModelZoo.create("mlp", new int[] {1, 28, 28}, 10, 5);
        Map<String, Object> config = TrainConfig.defaults().toJson();
        config.put("model", "mlp");
        ModelSpec spec = new ModelSpec("mlp", new int[] {1, 28, 28}, ModelSpec.FASHION_MNIST_CLASSES, 0.25f, 0.5f);
        Checkpoint.save(ckpt, model, null, Checkpoint.metadata(Json.write(config), spec, 1, 10));
        Path onnx = dir.resolve("model.onnx");
        SparrowCliTest.Run r = SparrowCliTest.run("export", ckpt.toString(), "--format", "onnx", "-o", onnx.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Path rows = dir.resolve("rows.npy");
        NpyWriter.write(rows, ExportCommand.randomInput(3, new int[] {784}, 11));

        SparrowCliTest.Run fromOnnx = SparrowCliTest.run("predict", onnx.toString(), rows.toString());
        SparrowCliTest.Run fromCheckpoint = SparrowCliTest.run("predict", ckpt.toString(), rows.toString());
        assertThat(fromOnnx.exit()).as(fromOnnx.err()).isZero();
        assertThat(fromOnnx.err()).contains("class names and input normalisation from its metadata (sparrow.model_spec)");
        assertThat(fromOnnx.out()).isEqualTo(fromCheckpoint.out());
        assertThat(fromOnnx.out().lines().count()).isEqualTo(3);
        assertThat(fromOnnx.out()).containsAnyOf(ModelSpec.FASHION_MNIST_CLASSES.toArray(String[]::new));
    }

    @Test
    void aModelTrainedOnOwnDataExportsAndEvalPredictAndBenchTakeTheOnnxFile() throws Exception {
        Path data = NoSurprisesCommandsTest.csv(dir);
        Path run = dir.resolve("run");
        SparrowCliTest.Run trained = NoSurprisesCommandsTest.train(data, run, "--epochs", "2", "--method", "static", "--sparsity", "0.5");
        assertThat(trained.exit()).as(trained.err()).isZero();
        Path ckpt = run.resolve("checkpoint.safetensors");
        Path onnx = dir.resolve("own.onnx");
        SparrowCliTest.Run exported = SparrowCliTest.run("export", ckpt.toString(), "--format", "onnx", "-o", onnx.toString());
        assertThat(exported.exit()).as(exported.err()).isZero();

        String[] evalArgs = {"--data", data.toString(), "--label-column", "kind", "--threads", "1", "--json", "--no-plot"};
        SparrowCliTest.Run fromCheckpoint = SparrowCliTest.run(concat(new String[] {"eval", ckpt.toString()}, evalArgs));
        SparrowCliTest.Run fromOnnx = SparrowCliTest.run(concat(new String[] {"eval", onnx.toString()}, evalArgs));
        assertThat(fromOnnx.exit()).as(fromOnnx.err()).isZero();
        assertThat(fromOnnx.err()).contains("input normalisation").contains("from its metadata");
        Map<String, Object> a = Json.parseObject(fromCheckpoint.out().strip(), Json.Limits.of(1 << 20));
        Map<String, Object> b = Json.parseObject(fromOnnx.out().strip(), Json.Limits.of(1 << 20));
        assertThat(b.get("accuracy")).isEqualTo(a.get("accuracy"));
        assertThat(b.get("confusion")).isEqualTo(a.get("confusion"));

        SparrowCliTest.Run predicted = SparrowCliTest.run("predict", onnx.toString(), data.toString(), "--label-column", "kind");
        assertThat(predicted.exit()).as(predicted.err()).isZero();
        assertThat(predicted.out()).isEqualTo(SparrowCliTest.run("predict", ckpt.toString(), data.toString(), "--label-column", "kind").out());
        assertThat(predicted.out()).containsPattern("(?m)^.*data.csv:1: [xyz] ");

        SparrowCliTest.Run bench = SparrowCliTest.run("bench", "model", onnx.toString(), "--batch", "2", "--threads", "1",
                "--warmup-ms", "1", "--measure-ms", "5", "--tune-ms", "1");
        assertThat(bench.exit()).as(bench.err()).isZero();
        assertThat(bench.out()).contains("outputs match the reference evaluator").contains("sparse vs dense");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void predictOnAForeignModelGivesPlainOutputsAndClassIndicesAndSaysSo() throws Exception {
        Path onnx = FIXTURES.resolve("mlp.onnx");
        Tensor input = readNpy(FIXTURES.resolve("mlp.input.npy"));
        Tensor expected = readNpy(FIXTURES.resolve("mlp.output.npy"));
        Path rows = dir.resolve("rows.npy");
        NpyWriter.write(rows, input);
        SparrowCliTest.Run raw = SparrowCliTest.run("predict", onnx.toString(), rows.toString(), "--raw");
        assertThat(raw.exit()).as(raw.err()).isZero();
        assertThat(raw.err()).contains("has no model spec in its metadata").contains("classes are output indices");
        List<String> lines = raw.out().lines().toList();
        assertThat(lines).hasSize(input.dim(0));
        for (int s = 0; s < lines.size(); s++) {
            List<?> values = (List<?>) Json.parse(lines.get(s), Json.Limits.of(1 << 16));
            for (int o = 0; o < 10; o++) {
                assertThat(((Number) values.get(o)).doubleValue()).isCloseTo(expected.data()[s * 10 + o], within(1e-4));
            }
        }
        SparrowCliTest.Run top = SparrowCliTest.run("predict", onnx.toString(), rows.toString(), "--json");
        assertThat(top.exit()).as(top.err()).isZero();
        int best = argmax(expected.data(), 0, 10);
        Map<String, Object> first = Json.parseObject(top.out().lines().findFirst().orElseThrow(), Json.Limits.of(1 << 16));
        assertThat(first.get("class")).isEqualTo(Integer.toString(best));
    }

    @Test
    void inspectShowsInitializersStructuresOperatorsAndThePlan() throws Exception {
        SparrowCliTest.Run r = SparrowCliTest.run("inspect", FIXTURES.resolve("mlp_nm1of8.onnx").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("ONNX, IR version", "opset 17", "operators (", "Gemm x3", "Flatten x1")
                .contains("initializers (6), as stored:").contains("[128, 784]")
                .contains("N:M 1:8")
                .contains("plan (batch 1").contains("Dense");
        SparrowCliTest.Run resnet = SparrowCliTest.run("inspect", FIXTURES.resolve("resnet_pruned90.onnx").toString());
        assertThat(resnet.exit()).as(resnet.err()).isZero();
        assertThat(resnet.out()).contains("Conv").contains("Binary(ADD)").contains("unstructured");
    }

    @Test
    void inspectOfACorruptOnnxFileIsOneLine() throws Exception {
        Path bad = dir.resolve("bad.onnx");
        byte[] good = Files.readAllBytes(FIXTURES.resolve("mlp.onnx"));
        Files.write(bad, java.util.Arrays.copyOf(good, good.length / 3));
        SparrowCliTest.Run r = SparrowCliTest.run("inspect", bad.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("bad.onnx").contains("not a valid ONNX protobuf").doesNotContain("at dev.sparrow");
        assertThat(r.err().lines().count()).isEqualTo(1);
    }

    @Test
    void pruneWritesAnOnnxFileWithTheSmallestWeightsZeroed() throws Exception {
        Path source = FIXTURES.resolve("mlp.onnx");
        Path out = dir.resolve("out");
        SparrowCliTest.Run r = SparrowCliTest.run("prune", source.toString(), "--sparsity", "0.9", "-o", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("to 90.00% sparsity of its 3 weights").contains("pruned.onnx");
        ModelGraph before = OnnxImporter.read(source);
        ModelGraph after = OnnxImporter.read(out.resolve("pruned.onnx"));
        long zeros = 0, total = 0;
        List<float[]> kept = new ArrayList<>();
        for (int i = 0; i < before.nodes().size(); i++) {
            GraphNode a = before.nodes().get(i), b = after.nodes().get(i);
            if (!(a.op() instanceof Op.Dense da)) continue;
            float[] wa = da.weight().data(), wb = ((Op.Dense) b.op()).weight().data();
            for (int k = 0; k < wa.length; k++) {
                // each weight is either kept exactly or zeroed
                if (wb[k] != 0f) assertThat(wb[k]).isEqualTo(wa[k]);
                else zeros++;
            }
            total += wa.length;
            kept.add(wb);
            assertThat(((Op.Dense) b.op()).bias().data()).containsExactly(da.bias().data());
        }
        assertThat((double) zeros / total).isCloseTo(0.9, within(1e-4));
        // the largest weight survives; a global threshold: every zeroed |w| <= every kept |w|
        float smallestKept = Float.MAX_VALUE, largestZeroed = 0;
        for (int i = 0, d = 0; i < before.nodes().size(); i++) {
            if (!(before.nodes().get(i).op() instanceof Op.Dense da)) continue;
            float[] wa = da.weight().data(), wb = kept.get(d++);
            for (int k = 0; k < wa.length; k++) {
                if (wb[k] != 0f) smallestKept = Math.min(smallestKept, Math.abs(wa[k]));
                else largestZeroed = Math.max(largestZeroed, Math.abs(wa[k]));
            }
        }
        assertThat(largestZeroed).isLessThanOrEqualTo(smallestKept);
        // the pruned file runs: through predict
        Path rows = dir.resolve("rows.npy");
        NpyWriter.write(rows, readNpy(FIXTURES.resolve("mlp.input.npy")));
        SparrowCliTest.Run p = SparrowCliTest.run("predict", out.resolve("pruned.onnx").toString(), rows.toString());
        assertThat(p.exit()).as(p.err()).isZero();
        Tensor x = readNpy(FIXTURES.resolve("mlp.input.npy"));
        assertThat(GraphEvaluator.runFirst(after, Tensor.wrap(x.data(), 3, 1, 28, 28)).data()).hasSize(30);
    }

    @Test
    void pruneIntoNOfMGivesWeightsThatInspectDetectsAsNOfM() throws Exception {
        Path out = dir.resolve("nm");
        SparrowCliTest.Run r = SparrowCliTest.run("prune", FIXTURES.resolve("mlp_external.onnx").toString(), "--method", "nm:1:8",
                "-o", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        // external data is inlined: the pruned file stands alone
        assertThat(out.resolve("mlp_external.onnx.data")).doesNotExist();
        SparrowCliTest.Run i = SparrowCliTest.run("inspect", out.resolve("pruned.onnx").toString());
        assertThat(i.exit()).as(i.err()).isZero();
        assertThat(i.out()).contains("N:M 1:8");
    }

    @Test
    void pruneOfAnOnnxFileRefusesFineTuningInOneLine() {
        SparrowCliTest.Run r = SparrowCliTest.run("prune", FIXTURES.resolve("mlp.onnx").toString(), "--sparsity", "0.5",
                "--finetune-epochs", "1", "-o", dir.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--finetune-epochs needs a checkpoint").doesNotContain("at dev.sparrow");
    }

    private static Tensor readNpy(Path file) throws Exception {
        List<float[]> rows = dev.sparrow.data.NpyArray.rows(file);
        float[] all = new float[rows.size() * rows.getFirst().length];
        for (int i = 0; i < rows.size(); i++) System.arraycopy(rows.get(i), 0, all, i * rows.getFirst().length, rows.getFirst().length);
        return Tensor.wrap(all, rows.size(), rows.getFirst().length);
    }

    private static int argmax(float[] v, int from, int n) {
        int best = from;
        for (int i = from; i < from + n; i++) if (v[i] > v[best]) best = i;
        return best - from;
    }
}
