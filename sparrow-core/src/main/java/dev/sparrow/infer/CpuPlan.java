package dev.sparrow.infer;

import java.util.List;

/**
 * A plan bound to the CPU backend: the steps (with today's kernels, packed weights and the pool), the description
 * of each ({@link PlanNode}), which buffer holds the input and the output, and the sizes of the buffers and
 * scratch a workspace allocates once.
 */
record CpuPlan(Step[] steps, List<PlanNode> nodes, int inputSlot, int outputSlot, boolean outputTransposed, int outputSize,
               int[] slotFloats, int maxFeatures, int columnFloats, int stagingFloats) {}
