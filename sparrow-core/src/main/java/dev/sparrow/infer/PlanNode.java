package dev.sparrow.infer;

import java.util.List;

/**
 * One step of a session's plan as a description, apart from how a backend runs it: the graph node it comes
 * from (several when fused, e.g. "3+4"), what it does, the values it reads and writes, the output's sample
 * shape, the layout its output is kept in ("NCHW" batch-major or "CN" [features][batch]), and the format its
 * weights were packed in (null without weights). Holds no activation or weight arrays, so that another backend
 * could execute the same plan.
 */
public record PlanNode(String node, String op, List<String> inputs, String output, int[] shape, String layout,
                       String format) {
    public PlanNode {
        inputs = List.copyOf(inputs);
        shape = shape.clone();
    }

    @Override
    public int[] shape() { return shape.clone(); }
}
