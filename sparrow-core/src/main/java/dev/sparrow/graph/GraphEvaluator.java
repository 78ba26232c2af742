package dev.sparrow.graph;

import dev.sparrow.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link ModelGraph} with plain loops (clarity over speed, double accumulation in products): the oracle the
 * optimised planner is tested against. Stateless; each call allocates its own value buffers.
 */
public final class GraphEvaluator {
    private GraphEvaluator() {}

    /** Every output of the graph for a batch laid out [batch, input sample shape...]. */
    public static Map<String, Tensor> run(ModelGraph graph, Tensor input) {
        int[] s = input.shape();
        int[] expected = graph.inputShape();
        if (s.length != expected.length + 1 || !java.util.Arrays.equals(java.util.Arrays.copyOfRange(s, 1, s.length), expected)) {
            throw new IllegalArgumentException("input " + input.shapeString() + " does not match [N, "
                    + java.util.Arrays.toString(expected).replaceAll("[\\[\\]]", "") + "]");
        }
        int batch = s[0];
        Map<String, float[]> values = new HashMap<>();
        values.put(graph.inputName(), input.data());
        for (GraphNode node : graph.nodes()) {
            List<float[]> in = new ArrayList<>(node.inputs().size());
            List<int[]> shapes = new ArrayList<>(node.inputs().size());
            for (String name : node.inputs()) {
                in.add(values.get(name));
                shapes.add(graph.sampleShape(name));
            }
            float[] out = ReferenceOps.apply(node.op(), in, shapes, graph.sampleShape(node.output()), batch);
            values.put(node.output(), out);
        }
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        for (String name : graph.outputs()) {
            int[] os = graph.sampleShape(name);
            int[] full = new int[os.length + 1];
            full[0] = batch;
            System.arraycopy(os, 0, full, 1, os.length);
            outputs.put(name, Tensor.wrap(values.get(name).clone(), full));
        }
        return outputs;
    }

    /** The first output. */
    public static Tensor runFirst(ModelGraph graph, Tensor input) {
        return run(graph, input).get(graph.outputs().get(0));
    }
}
