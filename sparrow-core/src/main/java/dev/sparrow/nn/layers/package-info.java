/**
 * The layers: batch-first float32 forward and backward passes on {@link dev.sparrow.tensor.Tensor}.
 *
 * <p>Conventions shared by every class here: a layer never writes into the tensors it is given; it
 * keeps its output and gradient buffers and reuses them while the batch size and sample shape stay
 * the same, so a returned tensor is valid until the layer's next call; {@code backward} adds into
 * {@link dev.sparrow.nn.Parameter#grad()} (callers zero gradients between steps) and must follow the
 * {@code forward} whose activations it uses. Layers keep a reference to the input of the last
 * forward (not a copy), so the caller must leave that tensor unchanged until backward has run. Masked weights are zero in their values, so forward needs
 * no mask, and backward always returns the dense weight gradient. Work is split over
 * {@code ctx.pool()} only along independent axes (samples, channels, planes, elements), so a serial
 * run is bit-for-bit reproducible and thread counts change nothing but the order in which partial
 * weight gradients are added.
 */
package dev.sparrow.nn.layers;
