package dev.sparrow.infer;

import dev.sparrow.io.ModelSpec;
import dev.sparrow.nn.layers.Sequential;

import java.util.Optional;

/**
 * A model rebuilt from a checkpoint with what it says about itself.
 *
 * @param model the restored model (weights, masks, BatchNorm statistics)
 * @param spec  its architecture, sample shape, class names and input normalisation
 * @param note  why the spec was assumed rather than read (an old checkpoint), for the user to see
 */
public record SavedModel(Sequential model, ModelSpec spec, Optional<String> note) {}
