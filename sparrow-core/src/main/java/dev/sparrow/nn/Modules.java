package dev.sparrow.nn;

import dev.sparrow.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Qualified names for the parameters and buffers of a layer tree, PyTorch-style: a child's names are
 * prefixed with its index ("0.weight", "3.1.bias"). Checkpoints and optimizers key state by these.
 */
public final class Modules {
    private Modules() {}

    public static Map<String, Parameter> namedParameters(Layer root) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect(root, "", out, null);
        return out;
    }

    public static Map<String, Tensor> namedBuffers(Layer root) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect(root, "", null, out);
        return out;
    }

    public static long parameterCount(Layer root) {
        long n = 0;
        for (Parameter p : namedParameters(root).values()) n += p.size();
        return n;
    }

    private static void collect(Layer layer, String prefix, Map<String, Parameter> params, Map<String, Tensor> buffers) {
        if (params != null) {
            for (Parameter p : layer.parameters()) put(params, prefix + p.name(), p);
        }
        if (buffers != null) {
            for (Map.Entry<String, Tensor> e : layer.buffers().entrySet()) put(buffers, prefix + e.getKey(), e.getValue());
        }
        List<Layer> children = layer.children();
        for (int i = 0; i < children.size(); i++) {
            collect(children.get(i), prefix + i + ".", params, buffers);
        }
    }

    private static <T> void put(Map<String, T> map, String key, T value) {
        if (map.put(key, value) != null) throw new IllegalStateException("two entries named '" + key + "'");
    }
}
