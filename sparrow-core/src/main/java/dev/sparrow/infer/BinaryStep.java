package dev.sparrow.infer;

import dev.sparrow.graph.Op;

/**
 * An elementwise Add, Sub, Mul or Div. Two values of one shape (a residual add) run as one flat loop in either
 * layout; a broadcast (a value against a constant or a smaller value) reads through index maps computed once
 * at plan time (output element → element of each operand), batch-major.
 */
final class BinaryStep extends Step {
    private final Op.BinaryKind kind;
    private final float[] constant; // the constant operand, or null for two values
    private final boolean constantFirst;
    private final int[] leftIndex;  // null when the operand has the output's shape
    private final int[] rightIndex;
    private final int leftSize;
    private final int rightSize;

    BinaryStep(Op.Binary op, int outFeatures, int[] leftIndex, int leftSize, int[] rightIndex, int rightSize) {
        super(leftSize, outFeatures);
        this.kind = op.kind();
        this.constant = op.constant() == null ? null : op.constant().data().clone();
        this.constantFirst = op.constantFirst();
        this.leftIndex = leftIndex;
        this.rightIndex = rightIndex;
        this.leftSize = leftSize;
        this.rightSize = rightSize;
    }

    /** Same shapes, no constant: layout does not matter. */
    @Override
    Boolean readsTransposed() { return constant == null && leftIndex == null && rightIndex == null ? null : Boolean.FALSE; }

    @Override
    void execute(Workspace ws, int batch) {
        float[] a = ws.buffers[inputs[0]];
        float[] out = ws.buffers[output];
        if (constant == null) apply(a, ws.buffers[inputs[1]], true, out, batch);
        else apply(a, constant, false, out, batch);
    }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        throw new UnsupportedOperationException("BinaryStep runs through execute");
    }

    private void apply(float[] a, float[] c, boolean cHasBatch, float[] out, int batch) {
        if (leftIndex == null && rightIndex == null && cHasBatch) {
            int n = batch * outFeatures;
            switch (kind) {
                case ADD -> { for (int i = 0; i < n; i++) out[i] = a[i] + c[i]; }
                case SUB -> { for (int i = 0; i < n; i++) out[i] = a[i] - c[i]; }
                case MUL -> { for (int i = 0; i < n; i++) out[i] = a[i] * c[i]; }
                case DIV -> { for (int i = 0; i < n; i++) out[i] = a[i] / c[i]; }
            }
            return;
        }
        for (int s = 0; s < batch; s++) {
            int aBase = s * leftSize, cBase = cHasBatch ? s * rightSize : 0, oBase = s * outFeatures;
            for (int i = 0; i < outFeatures; i++) {
                float l = a[aBase + (leftIndex == null ? i : leftIndex[i])];
                float r = c[cBase + (rightIndex == null ? i : rightIndex[i])];
                if (constantFirst) { float t = l; l = r; r = t; }
                out[oBase + i] = switch (kind) {
                    case ADD -> l + r;
                    case SUB -> l - r;
                    case MUL -> l * r;
                    case DIV -> l / r;
                };
            }
        }
    }

    @Override
    String describe() { return "Binary(" + kind + (constant != null ? ", constant" : "") + ", " + outFeatures + ")"; }
}
