package dev.sparrow.io;

import dev.sparrow.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A checkpoint's tensors as the model state map {@code nn.ModelState} loads: everything but optimizer and sparsity state. */
final class CheckpointRestore {
    private CheckpointRestore() {}

    /**
     * Parameters and buffers as F32 tensors, masks (U8, BOOL or F32 in the file) as 0/1 float tensors;
     * a tensor of another dtype or a mask value other than 0/1 is added to {@code problems} and left out.
     */
    static Map<String, Tensor> modelState(CheckpointData data, List<String> problems) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : data.tensors().entrySet()) {
            String name = e.getKey();
            TensorData t = e.getValue();
            if (name.startsWith(Checkpoint.OPTIMIZER_PREFIX) || name.startsWith(Checkpoint.SPARSITY_PREFIX)) continue;
            if (data.isMask(name)) {
                float[] keep = maskValues(name, t, problems);
                if (keep != null) state.put(name, Tensor.wrap(keep, t.shape()));
            } else if (t.dtype() != DType.F32) {
                problems.add("tensor '" + name + "' is " + t.dtype() + "; expected F32");
            } else {
                Tensor tensor = t.toTensor();
                int bad = firstNonFinite(tensor.data());
                if (bad >= 0) {
                    // NaN behind a mask once came out of eval as NaN and out of the csr session as plausible numbers
                    problems.add("tensor '" + name + "' has " + tensor.data()[bad] + " at index " + bad + "; expected finite values");
                } else {
                    state.put(name, tensor);
                }
            }
        }
        return state;
    }

    /** The index of the first NaN or infinity, or -1. */
    static int firstNonFinite(float[] values) {
        for (int i = 0; i < values.length; i++) if (!Float.isFinite(values[i])) return i;
        return -1;
    }

    /** Mask values as 0/1 floats from U8, BOOL or F32; null (and a problem) for other dtypes or values. */
    static float[] maskValues(String name, TensorData t, List<String> problems) {
        switch (t.dtype()) {
            case U8, BOOL -> {
                byte[] b = t.toU8();
                float[] keep = new float[b.length];
                for (int i = 0; i < b.length; i++) {
                    if (b[i] != 0 && b[i] != 1) {
                        problems.add("mask '" + name + "' has value " + (b[i] & 0xff) + " at " + i + "; expected 0 or 1");
                        return null;
                    }
                    keep[i] = b[i];
                }
                return keep;
            }
            case F32 -> {
                return t.toF32();
            }
            default -> {
                problems.add("mask '" + name + "' is " + t.dtype() + "; expected U8, BOOL or F32");
                return null;
            }
        }
    }
}
