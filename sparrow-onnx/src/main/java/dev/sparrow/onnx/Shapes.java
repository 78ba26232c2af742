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

    /**
     * ONNX Slice over a tensor of {@code shape}: {start, end, step} per axis (every axis; those not named take all),
     * starts and ends made non-negative and clamped as the operator defines (a negative step's end may be -1).
     * Inputs are the Slice node's constant starts, ends, axes (null: 0, 1, ...) and steps (null: 1s).
     */
    static int[][] slice(int[] shape, long[] starts, long[] ends, long[] axes, long[] steps) {
        int r = shape.length;
        int n = starts.length;
        if (ends.length != n || (axes != null && axes.length != n) || (steps != null && steps.length != n)) {
            throw new ImportProblem("Slice starts, ends, axes and steps differ in length: " + n + ", " + ends.length + ", "
                    + (axes == null ? "-" : axes.length) + ", " + (steps == null ? "-" : steps.length));
        }
        int[][] out = new int[3][r];
        for (int d = 0; d < r; d++) { out[1][d] = shape[d]; out[2][d] = 1; }
        boolean[] seen = new boolean[r];
        for (int i = 0; i < n; i++) {
            int a = axis(axes == null ? i : axes[i], r, "Slice axis");
            if (seen[a]) throw new ImportProblem("Slice axis " + a + " repeats");
            seen[a] = true;
            long step = steps == null ? 1 : steps[i];
            if (step == 0) throw new ImportProblem("Slice step 0 on axis " + a + "; expected a nonzero step");
            // an end of INT64_MIN is the usual "to the beginning" of a backward slice, not the batch size
            if (step == ConstTensor.BATCH || starts[i] == ConstTensor.BATCH) {
                throw new ImportProblem("Slice bounds depend on the batch size; expected constants");
            }
            if (Math.abs(step) > Integer.MAX_VALUE) throw new ImportProblem("Slice step " + step + " out of range");
            long dim = shape[a];
            long start = starts[i] < 0 ? starts[i] + dim : starts[i];
            long end = ends[i] < 0 ? ends[i] + dim : ends[i];
            if (step > 0) {
                start = Math.clamp(start, 0, dim);
                end = Math.clamp(end, 0, dim);
            } else {
                start = Math.clamp(start, 0, dim - 1);
                end = Math.clamp(end, -1, dim - 1);
            }
            out[0][a] = (int) start;
            out[1][a] = (int) end;
            out[2][a] = (int) step;
        }
        return out;
    }

    /** How many indices a slice from start to end by step takes. */
    static int sliceCount(int start, int end, int step) {
        long span = step > 0 ? (long) end - start : (long) start - end;
        long s = Math.abs((long) step);
        return (int) Math.max(0, (span + s - 1) / s);
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
