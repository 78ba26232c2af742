package dev.sparrow.onnx;

import dev.sparrow.io.DType;
import dev.sparrow.io.SafetensorsFile;
import dev.sparrow.io.SafetensorsReader;
import dev.sparrow.io.SafetensorsWriter;
import dev.sparrow.io.TensorData;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TorchStateDictTest {
    @TempDir
    Path dir;

    private static int[] sample(String model) {
        return model.startsWith("resnet") ? new int[] {3, 8, 8} : model.startsWith("lenet") ? new int[] {1, 12, 12} : new int[] {1, 8, 8};
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "lenet5", "cnn", "resnet", "mlp-kwta", "cnn-kwta"})
    void roundTripKeepsWeightsBuffersAndMasks(String name) throws Exception {
        Sequential model = ModelZoo.create(name, sample(name), 10, 1);
        OnnxExportTest.randomize(model, 2);
        Path file = dir.resolve(name + ".safetensors");
        TorchStateDict.write(model, file, Map.of("sparrow.model", name), 123);

        Sequential back = ModelZoo.create(name, sample(name), 10, 99);
        TorchStateDict.load(file, back);
        Map<String, Parameter> a = Modules.namedParameters(model);
        Map<String, Parameter> b = Modules.namedParameters(back);
        assertThat(b.keySet()).isEqualTo(a.keySet());
        for (String n : a.keySet()) {
            assertThat(b.get(n).value().data()).as(n).containsExactly(a.get(n).value().data());
            assertThat(b.get(n).hasMask()).as("%s has a mask", n).isEqualTo(a.get(n).hasMask());
            if (a.get(n).hasMask()) assertThat(b.get(n).mask().values()).as("%s mask", n).containsExactly(a.get(n).mask().values());
        }
        Map<String, Tensor> bufA = Modules.namedBuffers(model);
        Map<String, Tensor> bufB = Modules.namedBuffers(back);
        for (String n : bufA.keySet()) {
            if (n.endsWith("running_mean") || n.endsWith("running_var")) {
                assertThat(bufB.get(n).data()).as(n).containsExactly(bufA.get(n).data());
            }
        }
        assertThat(OnnxExportTest.forward(back, OnnxExportTest.randomInput(2, sample(name), 5)).data())
                .containsExactly(OnnxExportTest.forward(model, OnnxExportTest.randomInput(2, sample(name), 5)).data());
    }

    @Test
    void namesArePyTorchs() throws Exception {
        Sequential model = ModelZoo.create("resnet", new int[] {3, 8, 8}, 10, 1);
        Path file = dir.resolve("r.safetensors");
        TorchStateDict.write(model, file, Map.of(), 7);
        SafetensorsFile f = SafetensorsReader.read(file);
        assertThat(f.tensors().keySet()).startsWith("0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                "1.num_batches_tracked", "3.conv1.weight", "3.bn1.weight");
        assertThat(f.tensors().keySet()).contains("4.downsample.0.weight", "4.downsample.1.running_var", "7.weight", "7.bias")
                .doesNotContain("3.downsample.0.weight");
        TensorData counter = f.tensors().get("1.num_batches_tracked");
        assertThat(counter.dtype()).isEqualTo(DType.I64);
        assertThat(counter.shape()).isEmpty();
        assertThat(counter.toI64()).containsExactly(7L);
        assertThat(f.metadata()).containsEntry("format", "pt");
        assertThat(f.metadata().get(TorchStateDict.MODULE_KEY)).startsWith("{\"type\":\"Sequential\"").contains("\"BasicBlock\"");
    }

    @Test
    void wrongShapeNamesTheTensorAndTheExpectedShape() throws Exception {
        Sequential small = ModelZoo.create("mlp-20", new int[] {1, 8, 8}, 10, 1);
        Path file = dir.resolve("s.safetensors");
        TorchStateDict.write(small, file, Map.of(), 0);
        Sequential model = ModelZoo.create("mlp", new int[] {1, 8, 8}, 10, 1);
        float[] before = Modules.namedParameters(model).get("1.weight").value().data().clone();
        assertThatThrownBy(() -> TorchStateDict.load(file, model))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tensor '1.weight' has shape [20, 64]; the model expects [300, 64]")
                .hasMessageContaining("'5.weight' [10, 100] is missing");
        assertThat(Modules.namedParameters(model).get("1.weight").value().data()).containsExactly(before);
    }

    @Test
    void torchPruneStateDictsGiveTheirMask() throws Exception {
        Sequential model = ModelZoo.create("mlp-3", new int[] {2}, 2, 1);
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("1.bias", TensorData.f32(new float[] {0.5f, 0, 1}, 3));
        t.put("1.weight_orig", TensorData.f32(new float[] {1, 2, 3, 4, 0, 6}, 3, 2));
        t.put("1.weight_mask", TensorData.f32(new float[] {1, 0, 1, 1, 1, 0}, 3, 2));
        t.put("3.weight", TensorData.f32(new float[] {1, 0, 2, 3, 4, 5}, 2, 3));
        t.put("3.bias", TensorData.f32(new float[] {1, 1}, 2));
        Path file = dir.resolve("p.safetensors");
        SafetensorsWriter.write(file, t, Map.of());
        TorchStateDict.load(file, model);
        Map<String, Parameter> p = Modules.namedParameters(model);
        assertThat(p.get("1.weight").value().data()).containsExactly(1, 0, 3, 4, 0, 0);
        assertThat(p.get("1.weight").mask().values()).containsExactly(1, 0, 1, 1, 1, 0);
        assertThat(p.get("3.weight").mask().values()).containsExactly(1, 0, 1, 1, 1, 1);
        assertThat(p.get("1.bias").hasMask()).isFalse();
    }
}
