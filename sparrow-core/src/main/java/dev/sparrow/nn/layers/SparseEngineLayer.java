package dev.sparrow.nn.layers;

import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Parameter;

/**
 * A layer with two training engines for its masked weight (issue 13): the masked dense one (dense kernels on a
 * weight that is zero where masked) and the sparse one (the weight packed, forward and both gradients only at
 * the active weights; see {@link PackedRows}). The trainer's SparseEngines chooses per layer.
 */
public sealed interface SparseEngineLayer extends Layer permits Linear, Conv2d {

    /** The weight whose mask the sparse engine packs. */
    Parameter weight();

    /** Switches to the sparse engine (needs a mask; the weight is packed) or back to the masked dense one. */
    void useSparseEngine(boolean on);

    /** Whether the sparse engine runs this layer. */
    boolean usesSparseEngine();
}
