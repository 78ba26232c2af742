package dev.sparrow.infer;

import dev.sparrow.graph.Erf;
import dev.sparrow.graph.Op;

/** An elementwise function other than a ReLU (those run as {@link ReluStep}); works in either layout. */
final class UnaryStep extends Step {
    private final Op.UnaryKind kind;
    private final float alpha;
    private final float beta;

    UnaryStep(Op.Unary op, int features) {
        super(features, features);
        this.kind = op.kind();
        this.alpha = op.alpha();
        this.beta = op.beta();
    }

    @Override
    Boolean readsTransposed() { return null; }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        int n = batch * inFeatures;
        // one loop per kind, so each stays a tight loop without a switch per element
        switch (kind) {
            case IDENTITY -> System.arraycopy(in, 0, out, 0, n);
            case RELU -> { for (int i = 0; i < n; i++) out[i] = Math.max(in[i], 0f); }
            case LEAKY_RELU -> { for (int i = 0; i < n; i++) { float v = in[i]; out[i] = v >= 0 ? v : alpha * v; } }
            case SIGMOID -> { for (int i = 0; i < n; i++) out[i] = (float) (1.0 / (1.0 + Math.exp(-in[i]))); }
            case TANH -> { for (int i = 0; i < n; i++) out[i] = (float) Math.tanh(in[i]); }
            case CLIP -> { for (int i = 0; i < n; i++) out[i] = Math.min(Math.max(in[i], alpha), beta); }
            case NEG -> { for (int i = 0; i < n; i++) out[i] = -in[i]; }
            case ABS -> { for (int i = 0; i < n; i++) out[i] = Math.abs(in[i]); }
            case EXP -> { for (int i = 0; i < n; i++) out[i] = (float) Math.exp(in[i]); }
            case SQRT -> { for (int i = 0; i < n; i++) out[i] = (float) Math.sqrt(in[i]); }
            case HARD_SIGMOID -> { for (int i = 0; i < n; i++) out[i] = Math.max(0f, Math.min(1f, alpha * in[i] + beta)); }
            case HARD_SWISH -> { for (int i = 0; i < n; i++) { float v = in[i]; out[i] = v * Math.max(0f, Math.min(1f, v / 6f + 0.5f)); } }
            case ERF -> { for (int i = 0; i < n; i++) out[i] = (float) Erf.erf(in[i]); }
            case GELU -> { for (int i = 0; i < n; i++) { double v = in[i]; out[i] = (float) (0.5 * v * (1.0 + Erf.erf(v / Math.sqrt(2.0)))); } }
            case GELU_TANH -> {
                for (int i = 0; i < n; i++) {
                    double v = in[i];
                    out[i] = (float) (0.5 * v * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (v + 0.044715 * v * v * v))));
                }
            }
        }
    }

    @Override
    String describe() { return "Unary(" + kind + ", " + inFeatures + ")"; }
}
