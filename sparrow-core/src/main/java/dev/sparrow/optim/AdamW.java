package dev.sparrow.optim;

import dev.sparrow.nn.Parameter;

import java.util.Map;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, "Decoupled Weight Decay
 * Regularization", 2019), with PyTorch's semantics ({@code torch.optim.AdamW}, amsgrad off). For
 * step t (1-based), gradient g, value w:
 * <pre>
 *   w = w * (1 - lr * weightDecay)            (only for parameters with decayed() == true)
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g * g
 *   w = w - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * Masked weights are held at +0.0 with both moments by multiplying the gradient, the new moments and
 * the new value by the 0/1 mask ({@code + 0f} turns -0.0 into +0.0); as in {@link Sgd}, only a NaN or
 * infinite gradient at a masked weight escapes this. The gradient tensor itself is never modified.
 *
 * <p>State: {@code "<param>.exp_avg"}, {@code "<param>.exp_avg_sq"} and {@code "step"}.
 */
public final class AdamW extends ParameterOptimizer {
    public static final String EXP_AVG = "exp_avg";
    public static final String EXP_AVG_SQ = "exp_avg_sq";

    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;

    private AdamW(Builder b) {
        super(b.parameters, EXP_AVG, EXP_AVG_SQ);
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.eps = b.eps;
        this.weightDecay = b.weightDecay;
    }

    /** A builder over the ordered, named parameters (see {@code Modules.namedParameters}). */
    public static Builder builder(Map<String, Parameter> parameters) {
        return new Builder(parameters);
    }

    @Override
    void update(float[] w, float[] g, float[] keep, float[][] state, boolean decayed, float lr, long t, int from, int to) {
        float[] m = state[0];
        float[] v = state[1];
        // Bias corrections in double like PyTorch's Python scalars, rounded once to float.
        float stepSize = (float) (lr / (1.0 - Math.pow(beta1, t)));
        float bc2Sqrt = (float) Math.sqrt(1.0 - Math.pow(beta2, t));
        float decay = decayed ? 1f - lr * weightDecay : 1f;
        float b1 = beta1;
        float b2 = beta2;
        float oneMinusB1 = 1f - b1;
        float oneMinusB2 = 1f - b2;
        float e = eps;
        if (keep == null) {
            for (int i = from; i < to; i++) {
                float gi = g[i];
                float mi = b1 * m[i] + oneMinusB1 * gi;
                float vi = b2 * v[i] + oneMinusB2 * gi * gi;
                m[i] = mi;
                v[i] = vi;
                float denom = (float) Math.sqrt(vi) / bc2Sqrt + e;
                w[i] = w[i] * decay - stepSize * mi / denom;
            }
        } else {
            for (int i = from; i < to; i++) {
                float k = keep[i];
                float gi = g[i] * k;
                // At a masked weight m and v become 0, so the step is 0 / eps = 0.
                float mi = (b1 * m[i] + oneMinusB1 * gi) * k + 0f;
                float vi = (b2 * v[i] + oneMinusB2 * gi * gi) * k + 0f;
                m[i] = mi;
                v[i] = vi;
                float denom = (float) Math.sqrt(vi) / bc2Sqrt + e;
                w[i] = (w[i] * decay - stepSize * mi / denom) * k + 0f;
            }
        }
    }

    @Override
    public String describe() {
        return "adamw(beta1=" + fmt(beta1) + ",beta2=" + fmt(beta2) + ",eps=" + fmt(eps) + ",wd=" + fmt(weightDecay) + ")";
    }

    /** Settings of {@link AdamW}; defaults are PyTorch's (0.9, 0.999, 1e-8, weight decay 0.01). */
    public static final class Builder {
        private final Map<String, Parameter> parameters;
        private float beta1 = 0.9f;
        private float beta2 = 0.999f;
        private float eps = 1e-8f;
        private float weightDecay = 0.01f;

        private Builder(Map<String, Parameter> parameters) {
            this.parameters = parameters;
        }

        public Builder betas(float beta1, float beta2) {
            this.beta1 = requireInRange("beta1", beta1, 0f, 1f, false);
            this.beta2 = requireInRange("beta2", beta2, 0f, 1f, false);
            return this;
        }

        public Builder eps(float eps) {
            if (!(eps > 0f) || Float.isInfinite(eps)) throw new IllegalArgumentException("eps must be finite and > 0, got " + eps);
            this.eps = eps;
            return this;
        }

        /** Decoupled decay rate: decayed weights shrink by lr * weightDecay per step. */
        public Builder weightDecay(float weightDecay) {
            this.weightDecay = requireInRange("weightDecay", weightDecay, 0f, Float.MAX_VALUE, true);
            return this;
        }

        public AdamW build() {
            return new AdamW(this);
        }
    }
}
