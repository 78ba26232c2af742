package dev.sparrow.graph;

import java.util.List;
import java.util.Objects;

/** One step of a {@link ModelGraph}: op applied to the named input values, giving the named output value. */
public record GraphNode(String name, Op op, List<String> inputs, String output) {
    public GraphNode {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(output, "output");
        inputs = List.copyOf(inputs);
    }

    public GraphNode(String name, Op op, String input, String output) {
        this(name, op, List.of(input), output);
    }

    /** "name (op)" as error messages name a node. */
    public String describe() { return "node '" + name + "' (" + op.opName() + ")"; }
}
