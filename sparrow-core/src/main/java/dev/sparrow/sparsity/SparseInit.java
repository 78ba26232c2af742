package dev.sparrow.sparsity;

import dev.sparrow.nn.Parameter;

import java.util.List;

/**
 * He initialisation with the sparse fan-in. Layers start Kaiming normal over the dense fan-in F
 * (std √(2/F)); once masked, a neuron with k active inputs has its active weights multiplied by
 * √(F/k), so they have std √(2/k), the variance-preserving scale for k inputs (the SRigL paper's
 * choice, variance 2/k; the authors' code passes 2/k as the std, which we do not follow).
 */
public final class SparseInit {
    private SparseInit() {}

    /** Rescales every masked layer's rows to their sparse fan-in; dense layers are left alone. */
    public static void rescaleToSparseFanIn(List<LayerBudget> layers) {
        if (layers == null) throw new IllegalArgumentException("layers must not be null");
        for (LayerBudget l : layers) {
            Parameter p = l.parameter();
            if (!p.hasMask()) continue;
            int fanIn = l.fanIn();
            float[] w = p.value().data();
            float[] keep = p.mask().values();
            for (int r = 0; r < l.rows(); r++) {
                int from = r * fanIn;
                int k = 0;
                for (int i = from; i < from + fanIn; i++) if (keep[i] != 0f) k++;
                if (k == 0 || k == fanIn) continue;
                float scale = (float) Math.sqrt((double) fanIn / k);
                for (int i = from; i < from + fanIn; i++) w[i] *= scale;
            }
        }
    }
}
