package dev.sparrow.infer;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.ModelSpec;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** A checkpoint carries its ModelSpec, so InferenceSession.load needs nothing else; old ones get Fashion-MNIST's. */
class SelfDescribingModelTest {

    @Test
    void aCheckpointWithASpecLoadsAloneAndClassifiesWithNames(@TempDir Path tmp) throws IOException {
        ModelSpec spec = new ModelSpec("mlp", new int[] {4}, List.of("no", "yes", "maybe"), 0.5f, 2f);
        Sequential model = ModelZoo.create("mlp", spec.sampleShape(), 3, 1);
        Path file = tmp.resolve("m.safetensors");
        Checkpoint.save(file, model, null, Checkpoint.metadata(null, spec, 1, 1));

        SavedModel saved = InferenceSession.loadModel(file);
        assertThat(saved.spec()).isEqualTo(spec);
        assertThat(saved.note()).isEmpty();
        try (InferenceSession session = InferenceSession.load(file)) {
            assertThat(session.spec()).hasValue(spec);
            float[] raw = {1, 2, 3, 4};
            List<Prediction> top = session.classify(raw, 3);
            assertThat(top).hasSize(3);
            assertThat(top.stream().mapToDouble(Prediction::probability).sum()).isCloseTo(1, within(1e-6));
            assertThat(top.get(0).probability()).isGreaterThanOrEqualTo(top.get(1).probability());
            float[] normalised = {0.25f, 0.75f, 1.25f, 1.75f};
            float[] logits = session.predict(normalised);
            int best = logits[0] >= logits[1] && logits[0] >= logits[2] ? 0 : logits[1] >= logits[2] ? 1 : 2;
            assertThat(top.get(0).name()).isEqualTo(spec.classNames().get(best));
        }
    }

    @Test
    void anOldCheckpointLoadsWithFashionMnistDefaultsAndANote(@TempDir Path tmp) throws IOException {
        Sequential model = ModelZoo.create("mlp", new int[] {1, 28, 28}, 10, 1);
        Path file = tmp.resolve("old.safetensors");
        Checkpoint.save(file, model, null, Checkpoint.metadata(Json.write(Map.of("model", "mlp")), 1, 1));
        SavedModel saved = InferenceSession.loadModel(file);
        assertThat(saved.spec()).isEqualTo(ModelSpec.fashionMnist("mlp"));
        assertThat(saved.note()).hasValueSatisfying(n -> assertThat(n).contains("assuming Fashion-MNIST"));
    }

    @Test
    void aBrokenSpecNamesTheField(@TempDir Path tmp) throws IOException {
        Sequential model = ModelZoo.create("mlp", new int[] {4}, 2, 1);
        Path file = tmp.resolve("bad.safetensors");
        Map<String, String> meta = Checkpoint.metadata(null, 1, 1);
        meta.put(Checkpoint.SPEC_KEY, "{\"architecture\":\"mlp\",\"sample_shape\":[4],\"classes\":3,\"class_names\":[\"a\",\"b\"],"
                + "\"normalization\":{\"mean\":0,\"std\":1}}");
        Checkpoint.save(file, model, null, meta);
        assertThatThrownBy(() -> InferenceSession.loadModel(file))
                .hasMessageContaining("model spec 'classes' is 3 but 'class_names' has 2 names");
    }

    @Test
    void aPerFeatureNormalisationIsSavedAndAppliedByClassify(@TempDir Path tmp) throws IOException {
        float[] mean = {1f, 100f, -3f, 0f};
        float[] std = {2f, 50f, 1f, 4f};
        ModelSpec spec = new ModelSpec("mlp", new int[] {4}, List.of("a", "b", "c"), mean, std);
        Sequential model = ModelZoo.create("mlp", spec.sampleShape(), 3, 5);
        Path file = tmp.resolve("features.safetensors");
        Checkpoint.save(file, model, null, Checkpoint.metadata(null, spec, 1, 1));

        assertThat(InferenceSession.loadModel(file).spec()).isEqualTo(spec);
        try (InferenceSession session = InferenceSession.load(file)) {
            float[] raw = {3f, 0f, -3f, 8f};
            float[] normalised = {1f, -2f, 0f, 2f};
            float[] logits = session.predict(normalised);
            int best = logits[0] >= logits[1] && logits[0] >= logits[2] ? 0 : logits[1] >= logits[2] ? 1 : 2;
            assertThat(session.classify(raw, 1).getFirst().name()).isEqualTo(spec.classNames().get(best));
        }
        float[] twoSamples = {3f, 0f, -3f, 8f, 1f, 100f, -3f, 0f};
        spec.normalize(twoSamples, 0, twoSamples.length);
        assertThat(twoSamples).containsExactly(1f, -2f, 0f, 2f, 0f, 0f, 0f, 0f);
    }

    @Test
    void aSpecWrittenWithOneMeanReadsAsBeforeAndAWrongCountNamesTheField() {
        String old = "{\"architecture\":\"mlp\",\"sample_shape\":[4],\"classes\":2,\"class_names\":[\"a\",\"b\"],"
                + "\"normalization\":{\"mean\":0.5,\"std\":2}}";
        ModelSpec one = ModelSpec.parse(old, "old.safetensors");
        assertThat(one).isEqualTo(new ModelSpec("mlp", new int[] {4}, List.of("a", "b"), 0.5f, 2f));
        assertThat(one.toJsonText()).contains("\"normalization\":{\"mean\":0.5,\"std\":2.0}");
        ModelSpec perFeature = new ModelSpec("mlp", new int[] {2}, List.of("a", "b"), new float[] {1, 2}, new float[] {3, 4});
        assertThat(ModelSpec.parse(perFeature.toJsonText(), "x")).isEqualTo(perFeature);
        assertThatThrownBy(() -> ModelSpec.parse(old.replace("\"mean\":0.5", "\"mean\":[0.5,1,2]"), "bad.safetensors"))
                .hasMessageContaining("bad.safetensors: model spec: mean has 3 values and std 1; expected 1, 4 (one per value) each");
        assertThatThrownBy(() -> ModelSpec.parse(old.replace("\"mean\":0.5", "\"mean\":\"x\""), "bad.safetensors"))
                .hasMessageContaining("'normalization.mean' is missing or not a number or an array of numbers");
    }

    @Test
    void topKOrdersByProbability() {
        List<Prediction> p = Prediction.topK(new float[] {0, 3, 1}, 2, List.of("a", "b", "c"));
        assertThat(p).extracting(Prediction::name).containsExactly("b", "c");
        assertThatThrownBy(() -> Prediction.topK(new float[] {0, 1}, 3, null)).hasMessageContaining("k is 3");
    }
}
