package dev.sparrow.onnx;

import java.util.Arrays;

/** Shape arithmetic of ONNX's operators over full shapes, every result bounded before use. */
final class Shapes {
    private Shapes() {}

    /** An axis of a tensor of the given rank, negative counting from the end. */
    static int axis(long axis, int rank, String what) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new ImportProblem(what + " " + axis + " out of range for rank " + rank);
        return (int) a;
    }

    /** The element count, refusing overflow. */
    static long count(int[] shape) {
        long c = 1;
        for (int d : shape) {
            if (d < 0) throw new ImportProblem("negative dim in " + Arrays.toString(shape));
            c *= d;
            if (c > Integer.MAX_VALUE - 16) throw new ImportProblem("shape " + Arrays.toString(shape) + " has too many elements");
        }
        return c;
    }

    static int[] unsqueeze(int[] shape, long[] axes) {
        int r = shape.length + axes.length;
        if (axes.length == 0 || r > 32) throw new ImportProblem("Unsqueeze needs 1 to 32 axes, got " + axes.length);
        boolean[] inserted = new boolean[r];
        for (long a : axes) {
            int k = axis(a, r, "Unsqueeze axis");
            if (inserted[k]) throw new ImportProblem("Unsqueeze axis " + a + " repeats");
            inserted[k] = true;
        }
        int[] out = new int[r];
        for (int i = 0, j = 0; i < r; i++) out[i] = inserted[i] ? 1 : shape[j++];
        return out;
    }

    static int[] squeeze(int[] shape, long[] axes) {
        boolean[] removed = new boolean[shape.length];
        if (axes.length == 0) {
            for (int i = 0; i < shape.length; i++) removed[i] = shape[i] == 1;
        }
        for (long a : axes) {
            int k = axis(a, shape.length, "Squeeze axis");
            if (shape[k] != 1) throw new ImportProblem("Squeeze axis " + a + " has size " + shape[k] + "; expected 1");
            removed[k] = true;
        }
        int[] out = new int[shape.length];
        int n = 0;
        for (int i = 0; i < shape.length; i++) if (!removed[i]) out[n++] = shape[i];
        return Arrays.copyOf(out, n);
    }

    /** Reshape of a constant: 0 copies the input's dim (unless allowzero), one -1 takes what is left. */
    static int[] reshapeConstant(int[] in, long[] target, boolean allowZero) {
        if (target.length > 32) throw new ImportProblem("Reshape to rank " + target.length + "; expected at most 32");
        long total = count(in);
        int[] out = new int[target.length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.length; i++) {
            long t = target[i];
            if (t == ConstTensor.BATCH) throw new ImportProblem("Reshape of a constant to a shape holding the batch size");
            if (t == 0 && !allowZero) {
                if (i >= in.length) throw new ImportProblem("Reshape copies dim " + i + " of a rank-" + in.length + " input");
                t = in[i];
            }
            if (t == -1) {
                if (infer >= 0) throw new ImportProblem("Reshape target " + Arrays.toString(target) + " has two -1");
                infer = i;
                continue;
            }
            if (t < 0 || t > Integer.MAX_VALUE - 16) throw new ImportProblem("Reshape target dim " + t + " out of range");
            out[i] = (int) t;
            known *= t;
            if (known > Integer.MAX_VALUE - 16) throw new ImportProblem("Reshape target " + Arrays.toString(target) + " too large");
        }
        if (infer >= 0) {
            if (known == 0 || total % known != 0) throw new ImportProblem("Reshape of " + total + " elements to " + Arrays.toString(target));
            out[infer] = (int) (total / known);
        }
        if (count(out) != total) throw new ImportProblem("Reshape of " + Arrays.toString(in) + " to " + Arrays.toString(target) + " changes the element count");
        return out;
    }

    static void checkPermutation(int[] perm) {
        boolean[] seen = new boolean[perm.length];
        for (int p : perm) {
            if (p < 0 || p >= perm.length || seen[p]) throw new ImportProblem("perm " + Arrays.toString(perm) + " is not a permutation");
            seen[p] = true;
        }
    }

    /** NumPy broadcasting of two shapes of any ranks. */
    static int[] broadcast(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int x = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            int y = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (x != y && x != 1 && y != 1) throw new ImportProblem("cannot broadcast " + Arrays.toString(a) + " with " + Arrays.toString(b));
            out[i] = x == 1 ? y : x;
        }
        count(out);
        return out;
    }

    /** Strides into a (right-aligned) for each axis of out, 0 along broadcast axes. */
    static int[] broadcastStrides(int[] a, int[] out) {
        int[] strides = new int[out.length];
        int stride = 1;
        for (int i = out.length - 1, j = a.length - 1; i >= 0; i--, j--) {
            if (j < 0) { strides[i] = 0; continue; }
            strides[i] = a[j] == 1 && out[i] != 1 ? 0 : stride;
            stride *= a[j];
        }
        return strides;
    }
}
