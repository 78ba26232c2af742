package dev.sparrow.infer;

import dev.sparrow.graph.ModelGraph;
import dev.sparrow.nn.Layer;

import java.util.HashMap;
import java.util.Map;

/**
 * A Sparrow model lowered into the {@link ModelGraph} the session plans (evaluation mode, weights copied), with
 * the 0/1 mask of each masked weight by node name: for backends outside this package (e.g. sparrow-cuda's
 * session) that plan the same graph. Node names are as in {@link InferenceSession.Builder#format}.
 *
 * @param graph the model as a graph
 * @param masks each masked Dense/Conv node's mask (same length as its weight), by node name
 */
public record LoweredModel(ModelGraph graph, Map<String, float[]> masks) {
    public LoweredModel {
        masks = Map.copyOf(masks);
    }

    /** Lowers {@code model} for samples of {@code sampleShape} (batch excluded). */
    public static LoweredModel of(Layer model, int... sampleShape) {
        if (model == null) throw new IllegalArgumentException("model is null");
        ModelLowering.Lowered l = ModelLowering.lower(model, sampleShape.clone());
        return new LoweredModel(l.graph(), new HashMap<>(l.masks()));
    }
}
