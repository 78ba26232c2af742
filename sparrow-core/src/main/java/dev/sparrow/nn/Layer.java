package dev.sparrow.nn;

import dev.sparrow.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * One step of a model. {@link #forward} keeps what {@link #backward} needs; backward adds the
 * parameter gradients into {@link Parameter#grad()} and returns the gradient with respect to the
 * input. Tensors are batch-first: [batch, features] or [batch, channels, height, width].
 *
 * <p>A layer may reuse its output and gradient buffers between calls of the same batch size, so a
 * returned tensor is valid until the next call on the same layer.
 */
public interface Layer {

    Tensor forward(Tensor input, ExecutionContext ctx);

    Tensor backward(Tensor gradOutput, ExecutionContext ctx);

    /**
     * Backward where nobody reads the input gradient (the bottom of a model, under the trainer): adds the
     * parameter gradients as {@link #backward} does and may skip the input gradient. A layer whose input
     * gradient is work of its own (Linear: a GEMM, or a pass over the nonzeros) overrides it.
     */
    default void backwardParameters(Tensor gradOutput, ExecutionContext ctx) { backward(gradOutput, ctx); }

    /** The shape of one output sample for one input sample of shape {@code inputShape} (batch excluded). */
    int[] outputShape(int[] inputShape);

    /** Parameters owned directly by this layer (not by children), with local names. */
    default List<Parameter> parameters() { return List.of(); }

    /** Non-trained state saved in checkpoints (e.g. BatchNorm running statistics), by local name. */
    default Map<String, Tensor> buffers() { return Map.of(); }

    /** Layers nested inside this one, in order; containers override. */
    default List<Layer> children() { return List.of(); }

    /** A short type name such as "Linear(784->300)", for summaries. */
    String describe();
}
