package dev.sparrow.nn;

import java.util.List;

/**
 * A layer with state that changes once per epoch (e.g. the boost strength of k-winners-take-all,
 * which decays each epoch). The trainer calls {@link #onEpochEnd} on every such layer of the model
 * after each training epoch, before the epoch is checkpointed, so a resumed run sees the same state.
 */
public interface EpochAware {

    /** Called once after each completed training epoch. */
    void onEpochEnd();

    /** Calls {@link #onEpochEnd} on every layer of the tree under {@code root} (root included) that is EpochAware. */
    static void epochEnded(Layer root) {
        if (root == null) throw new IllegalArgumentException("root layer is null");
        if (root instanceof EpochAware e) e.onEpochEnd();
        List<Layer> children = root.children();
        for (Layer child : children) epochEnded(child);
    }
}
