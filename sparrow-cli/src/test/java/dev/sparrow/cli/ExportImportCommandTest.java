package dev.sparrow.cli;

import dev.sparrow.graph.GraphEvaluator;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.io.Checkpoint;
import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.onnx.OnnxImporter;
import dev.sparrow.tensor.Tensor;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** 'sparrow export' (ONNX, torch) and 'sparrow import' end to end, and their one-line errors. */
class ExportImportCommandTest {
    @TempDir
    Path dir;

    private Sequential checkpoint(String name, Path file) throws Exception {
        Sequential model = ModelZoo.create(name, new int[] {1, 28, 28}, 10, 5);
        Parameter w = Modules.namedParameters(model).values().stream().filter(p -> p.value().shape().length > 1).findFirst().orElseThrow();
        float[] keep = new float[w.size()];
        for (int i = 0; i < keep.length; i += 3) keep[i] = 1f;
        w.setMask(Mask.of(keep));
        Map<String, Object> config = TrainConfig.defaults().toJson();
        config.put("model", name);
        Checkpoint.save(file, model, null, Checkpoint.metadata(Json.write(config), 2, 40));
        return model;
    }

    @Test
    void exportsOnnxThatImportsBackWithTheSameOutputs() throws Exception {
        Path ckpt = dir.resolve("c.safetensors");
        Sequential model = checkpoint("mlp", ckpt);
        Path onnx = dir.resolve("model.onnx");
        SparrowCliTest.Run r = SparrowCliTest.run("export", ckpt.toString(), "--format", "onnx", "-o", onnx.toString(), "--write-sample", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(dir.resolve("model.input.npy")).exists();
        assertThat(dir.resolve("model.output.npy")).exists();
        ModelGraph graph = OnnxImporter.read(onnx);
        Tensor x = ExportCommand.randomInput(2, new int[] {1, 28, 28}, 3);
        float[] expected = model.forward(x, ExecutionContext.defaults().training(false)).data().clone();
        float[] actual = GraphEvaluator.runFirst(graph, x).data();
        for (int i = 0; i < expected.length; i++) assertThat(actual[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f));
    }

    @Test
    void torchStateDictRoundTripsThroughImport() throws Exception {
        Path ckpt = dir.resolve("c.safetensors");
        Sequential model = checkpoint("cnn-kwta", ckpt);
        Path torch = dir.resolve("state.safetensors");
        SparrowCliTest.Run r = SparrowCliTest.run("export", ckpt.toString(), "--format", "torch", "-o", torch.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Path back = dir.resolve("back.safetensors");
        r = SparrowCliTest.run("import", torch.toString(), "--model", "cnn-kwta", "-o", back.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        InteropFiles.Loaded loaded = InteropFiles.load(back);
        Map<String, Parameter> a = Modules.namedParameters(model);
        Map<String, Parameter> b = Modules.namedParameters(loaded.model());
        for (String n : a.keySet()) {
            assertThat(b.get(n).value().data()).as(n).containsExactly(a.get(n).value().data());
            assertThat(b.get(n).hasMask()).as(n).isEqualTo(a.get(n).hasMask());
        }
        assertThat(b.get("0.weight").mask().values()).containsExactly(a.get("0.weight").mask().values());
    }

    @Test
    void badInputGetsOneLine() throws Exception {
        Path ckpt = dir.resolve("c.safetensors");
        checkpoint("mlp", ckpt);
        SparrowCliTest.Run r = SparrowCliTest.run("export", dir.resolve("none.safetensors").toString(), "--format", "onnx", "-o", dir.resolve("m.onnx").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").contains("no such checkpoint file");

        r = SparrowCliTest.run("export", ckpt.toString(), "--format", "tflite", "-o", dir.resolve("m.onnx").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").contains("--format is 'tflite'; expected onnx or torch");

        r = SparrowCliTest.run("export", ckpt.toString(), "--format", "onnx", "-o", dir.resolve("missing/m.onnx").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").contains("does not exist");

        Files.writeString(dir.resolve("junk.safetensors"), "not a checkpoint");
        r = SparrowCliTest.run("export", dir.resolve("junk.safetensors").toString(), "--format", "onnx", "-o", dir.resolve("m.onnx").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n");

        Path torch = dir.resolve("state.safetensors");
        assertThat(SparrowCliTest.run("export", ckpt.toString(), "--format", "torch", "-o", torch.toString()).exit()).isZero();
        r = SparrowCliTest.run("import", torch.toString(), "--model", "mlp-200-100", "-o", dir.resolve("x.safetensors").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").contains("tensor '1.weight' has shape [300, 784]; the model expects [200, 784]");
        assertThat(dir.resolve("x.safetensors")).doesNotExist();
    }
}
