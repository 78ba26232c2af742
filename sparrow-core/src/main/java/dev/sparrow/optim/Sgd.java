package dev.sparrow.optim;

import dev.sparrow.nn.Parameter;

import java.util.Map;

/**
 * Stochastic gradient descent with PyTorch's semantics ({@code torch.optim.SGD}). For each weight,
 * with gradient g, value w, learning rate lr:
 * <pre>
 *   d = g + weightDecay * w                 (L2, only for parameters with decayed() == true)
 *   b = d                                   (first step)
 *   b = momentum * b + (1 - dampening) * d  (later steps)
 *   d = nesterov ? d + momentum * b : b     (when momentum != 0)
 *   w = w - lr * d
 * </pre>
 * Masked weights are held at +0.0 along with their momentum buffer: the gradient, the new buffer and
 * the new value are multiplied by the 0/1 mask (then {@code + 0f} turns -0.0 into +0.0). Multiplying
 * rather than branching keeps the loop vectorisable; the one case it cannot cover is a NaN or
 * infinite gradient at a masked weight (0 * NaN = NaN), which only a diverged model produces. The
 * gradient tensor itself is never modified (sparsity methods may read it).
 *
 * <p>State: {@code "<param>.momentum_buffer"} (only when momentum != 0) and {@code "step"}.
 */
public final class Sgd extends ParameterOptimizer {
    /** State kind of the momentum buffer. */
    public static final String MOMENTUM_BUFFER = "momentum_buffer";

    private final float momentum;
    private final float dampening;
    private final boolean nesterov;
    private final float weightDecay;

    private Sgd(Builder b) {
        super(b.parameters, b.momentum != 0f ? new String[] {MOMENTUM_BUFFER} : new String[0]);
        this.momentum = b.momentum;
        this.dampening = b.dampening;
        this.nesterov = b.nesterov;
        this.weightDecay = b.weightDecay;
    }

    /** A builder over the ordered, named parameters (see {@code Modules.namedParameters}). */
    public static Builder builder(Map<String, Parameter> parameters) {
        return new Builder(parameters);
    }

    @Override
    void update(float[] w, float[] g, float[] keep, float[][] state, boolean decayed, float lr, long t, int from, int to) {
        float wd = decayed ? weightDecay : 0f;
        if (momentum == 0f) {
            if (keep == null) {
                for (int i = from; i < to; i++) w[i] -= lr * (g[i] + wd * w[i]);
            } else {
                for (int i = from; i < to; i++) w[i] = (w[i] - lr * (g[i] * keep[i] + wd * w[i])) * keep[i] + 0f;
            }
            return;
        }
        float[] buf = state[0];
        float m = momentum;
        // PyTorch starts the buffer as a copy of the first direction, undamped.
        float keepD = t == 1 ? 1f : 1f - dampening;
        float keepB = t == 1 ? 0f : m;
        boolean nest = nesterov;
        if (keep == null) {
            for (int i = from; i < to; i++) {
                float d = g[i] + wd * w[i];
                float b = keepB * buf[i] + keepD * d;
                buf[i] = b;
                w[i] -= lr * (nest ? d + m * b : b);
            }
        } else {
            for (int i = from; i < to; i++) {
                float k = keep[i];
                float d = g[i] * k + wd * w[i];
                float b = (keepB * buf[i] + keepD * d) * k + 0f;
                buf[i] = b;
                w[i] = (w[i] - lr * (nest ? d + m * b : b)) * k + 0f;
            }
        }
    }

    @Override
    public String describe() {
        return "sgd(momentum=" + fmt(momentum) + ",dampening=" + fmt(dampening) + ",nesterov=" + nesterov
                + ",wd=" + fmt(weightDecay) + ")";
    }

    /** Settings of {@link Sgd}; defaults are plain SGD (no momentum, no weight decay). */
    public static final class Builder {
        private final Map<String, Parameter> parameters;
        private float momentum;
        private float dampening;
        private boolean nesterov;
        private float weightDecay;

        private Builder(Map<String, Parameter> parameters) {
            this.parameters = parameters;
        }

        /** Momentum factor in [0, 1]; 0 (default) keeps no buffer. */
        public Builder momentum(float momentum) {
            this.momentum = requireInRange("momentum", momentum, 0f, 1f, true);
            return this;
        }

        /** Dampening of the new direction in the momentum buffer, in [0, 1]; default 0. */
        public Builder dampening(float dampening) {
            this.dampening = requireInRange("dampening", dampening, 0f, 1f, true);
            return this;
        }

        /** Nesterov momentum (needs momentum > 0 and dampening 0). */
        public Builder nesterov(boolean nesterov) {
            this.nesterov = nesterov;
            return this;
        }

        /** L2 penalty added to the gradient of decayed parameters; default 0. */
        public Builder weightDecay(float weightDecay) {
            this.weightDecay = requireInRange("weightDecay", weightDecay, 0f, Float.MAX_VALUE, true);
            return this;
        }

        public Sgd build() {
            if (nesterov && (momentum == 0f || dampening != 0f)) {
                throw new IllegalArgumentException("nesterov needs momentum > 0 and dampening 0, got momentum="
                        + momentum + ", dampening=" + dampening);
            }
            return new Sgd(this);
        }
    }
}
