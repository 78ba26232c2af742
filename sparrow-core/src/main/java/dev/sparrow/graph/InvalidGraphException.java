package dev.sparrow.graph;

/** A graph that cannot be built: names the node at fault (null when the fault is the graph's own) and why. */
public final class InvalidGraphException extends IllegalArgumentException {
    private final String nodeName;

    public InvalidGraphException(GraphNode node, String problem) {
        super((node == null ? "graph" : node.describe()) + ": " + problem);
        this.nodeName = node == null ? null : node.name();
    }

    public String nodeName() { return nodeName; }
}
