package dev.sparrow.infer;

import dev.sparrow.graph.GraphNode;
import dev.sparrow.graph.ModelGraph;
import dev.sparrow.graph.Op;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.layers.BatchNorm;
import dev.sparrow.nn.layers.Conv2d;
import dev.sparrow.nn.layers.Dropout;
import dev.sparrow.nn.layers.Flatten;
import dev.sparrow.nn.layers.GlobalAvgPool2d;
import dev.sparrow.nn.layers.KWinners;
import dev.sparrow.nn.layers.KWinners2d;
import dev.sparrow.nn.layers.Linear;
import dev.sparrow.nn.layers.MaxPool2d;
import dev.sparrow.nn.layers.ReLU;
import dev.sparrow.nn.layers.ResidualBlock;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lowers a Sparrow model (the layers the model zoo uses) into a {@link ModelGraph} in evaluation mode, so that
 * Sparrow's own models and imported ones go through the same planner. Weights are copied; each weight's
 * {@link dev.sparrow.nn.Mask} travels beside the graph (the graph package knows no masks) under its node's name,
 * so the planner knows which zeros are structural. A Linear or Conv2d node is named like its parameters
 * without ".weight" ("1", "5.4.0"), the names {@link InferenceSession.Builder#format} takes.
 */
final class ModelLowering {
    /** The graph and the 0/1 mask of each masked weight, by node name. */
    record Lowered(ModelGraph graph, Map<String, float[]> masks) {}

    static final String INPUT = "input";

    private final Map<Parameter, String> paramNames = new IdentityHashMap<>();
    private final List<GraphNode> nodes = new ArrayList<>();
    private final Map<String, float[]> masks = new HashMap<>();
    private final Map<String, int[]> shapes = new HashMap<>();

    private ModelLowering(Layer model) {
        for (Map.Entry<String, Parameter> e : Modules.namedParameters(model).entrySet()) paramNames.put(e.getValue(), e.getKey());
    }

    static Lowered lower(Layer model, int[] sampleShape) {
        ModelLowering l = new ModelLowering(model);
        l.shapes.put(INPUT, sampleShape.clone());
        String out = l.layer(model, "", INPUT);
        if (out.equals(INPUT)) out = l.emit("identity", Op.Unary.of(Op.UnaryKind.IDENTITY), List.of(INPUT), sampleShape);
        return new Lowered(new ModelGraph(INPUT, sampleShape, l.nodes, List.of(out)), l.masks);
    }

    /** Emits the nodes of {@code layer} (path {@code path}) reading value {@code in}; returns its output value. */
    private String layer(Layer layer, String path, String in) {
        int[] shape = shapes.get(in);
        String name = path.isEmpty() ? "model" : path;
        return switch (layer) {
            case Sequential s -> {
                String v = in;
                for (int i = 0; i < s.size(); i++) v = layer(s.get(i), path.isEmpty() ? String.valueOf(i) : path + "." + i, v);
                yield v;
            }
            case Linear lin -> weighted(lin.weight(), name,
                    new Op.Dense(lin.weight().value().copy().reshape(lin.outFeatures(), lin.inFeatures()),
                            lin.bias() == null ? null : lin.bias().value().copy()), in, layer.outputShape(shape));
            case Conv2d c -> weighted(c.weight(), name, new Op.Conv(
                    c.weight().value().copy().reshape(c.outChannels(), c.inChannels(), c.kernelHeight(), c.kernelWidth()),
                    c.bias() == null ? null : c.bias().value().copy(), new int[] {c.stride(), c.stride()},
                    new int[] {c.padding(), c.padding(), c.padding(), c.padding()}, new int[] {1, 1}, 1), in, layer.outputShape(shape));
            case BatchNorm bn -> emit(name, batchNorm(bn), List.of(in), shape);
            case ReLU r -> emit(name, Op.Unary.of(Op.UnaryKind.RELU), List.of(in), shape);
            case KWinners k -> emit(name, new Op.KWinners(k.kInference()), List.of(in), shape);
            // global: one group of C·H·W values per sample; local: C channels at each location
            case KWinners2d k -> emit(name, new Op.KWinners(k.kInference(k.isLocal() ? shape[0] : shape[0] * shape[1] * shape[2]),
                    k.isLocal()), List.of(in), shape);
            case MaxPool2d p -> emit(name, new Op.MaxPool(new int[] {p.kernel(), p.kernel()}, new int[] {p.stride(), p.stride()},
                    new int[4], new int[] {1, 1}, false), List.of(in), layer.outputShape(shape));
            case GlobalAvgPool2d g -> {
                String pooled = emit(name, new Op.GlobalAveragePool(), List.of(in), new int[] {shape[0], 1, 1});
                yield emit(name + ".flatten", new Op.Flatten(), List.of(pooled), layer.outputShape(shape));
            }
            case Flatten f -> emit(name, new Op.Flatten(), List.of(in), layer.outputShape(shape));
            case Dropout d -> in; // evaluation mode: the identity
            case ResidualBlock r -> residual(r, path, in);
            default -> throw new IllegalArgumentException("layer '" + name + "' (" + layer.describe()
                    + "): no graph lowering for " + layer.getClass().getSimpleName());
        };
    }

    /** conv1, bn1, ReLU, conv2, bn2 plus the shortcut (identity or conv + bn), added, then ReLU (see ResidualBlock). */
    private String residual(ResidualBlock r, String path, String in) {
        List<Layer> c = r.children();
        String v = layer(c.get(0), path + ".0", in);
        v = layer(c.get(1), path + ".1", v);
        v = emit(path + ".relu1", Op.Unary.of(Op.UnaryKind.RELU), List.of(v), shapes.get(v));
        v = layer(c.get(2), path + ".2", v);
        v = layer(c.get(3), path + ".3", v);
        String skip = r.hasProjection() ? layer(c.get(4), path + ".4", in) : in;
        String sum = emit(path + ".add", Op.Binary.ofValues(Op.BinaryKind.ADD), List.of(v, skip), shapes.get(v));
        return emit(path + ".relu", Op.Unary.of(Op.UnaryKind.RELU), List.of(sum), shapes.get(v));
    }

    private String weighted(Parameter w, String path, Op op, String in, int[] outShape) {
        String n = paramNames.get(w);
        String name = n != null && n.endsWith(".weight") ? n.substring(0, n.length() - ".weight".length()) : path;
        if (w.hasMask()) masks.put(name, w.mask().values().clone());
        return emit(name, op, List.of(in), outShape);
    }

    /** Eval-mode batch norm as y = x * scale + shift per channel: scale = gamma / sqrt(var + eps). */
    private static Op.BatchNorm batchNorm(BatchNorm bn) {
        float[] gamma = bn.weight().value().data(), beta = bn.bias().value().data();
        float[] mean = bn.runningMean().data(), var = bn.runningVar().data();
        float[] scale = new float[gamma.length], shift = new float[gamma.length];
        for (int c = 0; c < gamma.length; c++) {
            double s = gamma[c] / Math.sqrt(var[c] + bn.eps());
            scale[c] = (float) s;
            shift[c] = (float) (beta[c] - mean[c] * s);
        }
        return new Op.BatchNorm(Tensor.wrap(scale, scale.length), Tensor.wrap(shift, shift.length));
    }

    private String emit(String name, Op op, List<String> inputs, int[] outShape) {
        String unique = name;
        for (int i = 2; shapes.containsKey(unique); i++) unique = name + "#" + i;
        nodes.add(new GraphNode(unique, op, inputs, unique));
        shapes.put(unique, outShape.clone());
        return unique;
    }
}
