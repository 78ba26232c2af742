package dev.sparrow.graph;

import dev.sparrow.tensor.Tensor;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A device-independent model: one named input of the given sample shape, nodes in topological order, and named
 * outputs. Every value is [batch, sample dims...] with a symbolic batch. The constructor checks the graph once
 * (each value defined once before its use, arities, every op's shape rule) and remembers each value's sample shape.
 */
public final class ModelGraph {
    private final String inputName;
    private final int[] inputShape;
    private final List<GraphNode> nodes;
    private final List<String> outputs;
    private final Map<String, int[]> shapes = new HashMap<>();

    public ModelGraph(String inputName, int[] inputShape, List<GraphNode> nodes, List<String> outputs) {
        this.inputName = inputName;
        this.inputShape = inputShape.clone();
        this.nodes = List.copyOf(nodes);
        this.outputs = List.copyOf(outputs);
        try {
            Tensor.checkedSize(inputShape);
        } catch (IllegalArgumentException e) {
            throw new InvalidGraphException(null, "input '" + inputName + "': " + e.getMessage());
        }
        shapes.put(inputName, this.inputShape.clone());
        Set<String> nodeNames = new HashSet<>();
        for (GraphNode node : this.nodes) {
            if (!nodeNames.add(node.name())) throw new InvalidGraphException(node, "a second node of this name");
            Op op = node.op();
            int n = node.inputs().size();
            if (op.arity() >= 0 ? n != op.arity() : n < 1) {
                throw new InvalidGraphException(node, "takes " + (op.arity() >= 0 ? op.arity() : "1 or more")
                        + " inputs, has " + n);
            }
            List<int[]> in = node.inputs().stream().map(name -> {
                int[] s = shapes.get(name);
                if (s == null) throw new InvalidGraphException(node, "reads '" + name + "', which no earlier node or the input defines");
                return s;
            }).toList();
            if (shapes.containsKey(node.output())) throw new InvalidGraphException(node, "writes '" + node.output() + "', already defined");
            int[] out;
            try {
                out = op.outputShape(in);
                Tensor.checkedSize(out);
            } catch (InvalidGraphException e) {
                throw e;
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new InvalidGraphException(node, e.getMessage());
            }
            shapes.put(node.output(), out);
        }
        if (this.outputs.isEmpty()) throw new InvalidGraphException(null, "no outputs");
        for (String o : this.outputs) {
            if (!shapes.containsKey(o)) throw new InvalidGraphException(null, "output '" + o + "' is never computed");
        }
    }

    public String inputName() { return inputName; }

    /** The input's sample shape (without the batch). */
    public int[] inputShape() { return inputShape.clone(); }

    public List<GraphNode> nodes() { return nodes; }

    public List<String> outputs() { return outputs; }

    /** The sample shape (without the batch) of a value; IllegalArgumentException for an unknown name. */
    public int[] sampleShape(String value) {
        int[] s = shapes.get(value);
        if (s == null) throw new IllegalArgumentException("no value '" + value + "' in the graph");
        return s.clone();
    }

    /** Elements per sample of a value. */
    public int sampleSize(String value) { return Tensor.checkedSize(sampleShape(value)); }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("ModelGraph(").append(inputName).append(" [N, ")
                .append(Arrays.toString(inputShape).replaceAll("[\\[\\]]", "")).append("])\n");
        for (GraphNode n : nodes) {
            b.append("  ").append(n.output()).append(" = ").append(n.op().opName()).append(n.inputs())
                    .append("  [N, ").append(Arrays.toString(shapes.get(n.output())).replaceAll("[\\[\\]]", "")).append("]\n");
        }
        return b.append("  -> ").append(outputs).toString();
    }
}
