package dev.sparrow.onnx;

import dev.sparrow.io.DType;
import dev.sparrow.io.SafetensorsFile;
import dev.sparrow.io.SafetensorsReader;
import dev.sparrow.io.SafetensorsWriter;
import dev.sparrow.io.TensorData;
import dev.sparrow.io.TensorSource;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.layers.AbstractKWinners;
import dev.sparrow.nn.layers.BatchNorm;
import dev.sparrow.nn.layers.BatchNorm1d;
import dev.sparrow.nn.layers.Conv2d;
import dev.sparrow.nn.layers.Dropout;
import dev.sparrow.nn.layers.Flatten;
import dev.sparrow.nn.layers.GlobalAvgPool2d;
import dev.sparrow.nn.layers.KWinners2d;
import dev.sparrow.nn.layers.Linear;
import dev.sparrow.nn.layers.MaxPool2d;
import dev.sparrow.nn.layers.ReLU;
import dev.sparrow.nn.layers.ResidualBlock;
import dev.sparrow.nn.layers.Sequential;
import dev.sparrow.tensor.Tensor;
import dev.sparrow.util.Json;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Sparrow model as a PyTorch state dict in a safetensors file, and back. The names are those of the
 * equivalent {@code torch.nn} module (see docs/interop.md): a Sequential's children by index ("0.weight"), a
 * ResidualBlock as torchvision's BasicBlock ("conv1", "bn1", "conv2", "bn2", "downsample.0", "downsample.1"),
 * BatchNorm with "running_mean", "running_var" and "num_batches_tracked" (I64, a scalar). k-WTA layers, ReLU,
 * pools, Flatten and Dropout have no state in the torch module (k-WTA's duty cycles are training state and
 * stay in Sparrow's checkpoints). The metadata holds {@value #FORMAT_KEY} = "pt" (what safetensors' torch
 * helpers write) and {@value #MODULE_KEY}: the module as JSON, which the Python builder of docs/interop.md reads.
 *
 * <p>Reading back ({@link #load}) checks every name, dtype and shape first and changes nothing on a problem;
 * masks come from the zeros: a Linear or Conv2d weight with exact zeros gets a mask that is 0 exactly there, one
 * without zeros gets none. State dicts of modules pruned with {@code torch.nn.utils.prune} ("weight_orig" and
 * "weight_mask" instead of "weight") are read too: the weight is their product and the mask is weight_mask.
 */
public final class TorchStateDict {
    public static final String FORMAT_KEY = "format";
    public static final String MODULE_KEY = "sparrow.torch_module";
    private static final int MAX_LISTED_PROBLEMS = 20;

    private TorchStateDict() {}

    /** One tensor of the state dict: its torch name and where it lives in the Sparrow model. */
    public record Entry(String name, Tensor value, Parameter parameter, boolean maskable, boolean counter) {}

    /** Every tensor of the torch module's state dict, in module order. */
    public static List<Entry> entries(Layer model) {
        List<Entry> out = new ArrayList<>();
        walk(model, "", out);
        return out;
    }

    private static void walk(Layer layer, String prefix, List<Entry> out) {
        switch (layer) {
            case Sequential s -> {
                for (int i = 0; i < s.size(); i++) walk(s.get(i), prefix + i + ".", out);
            }
            case ResidualBlock r -> {
                String[] names = {"conv1.", "bn1.", "conv2.", "bn2.", "downsample."};
                List<Layer> c = r.children();
                for (int i = 0; i < c.size(); i++) walk(c.get(i), prefix + names[i], out);
            }
            case Linear l -> {
                out.add(new Entry(prefix + "weight", l.weight().value(), l.weight(), true, false));
                if (l.bias() != null) out.add(new Entry(prefix + "bias", l.bias().value(), l.bias(), false, false));
            }
            case Conv2d c -> {
                out.add(new Entry(prefix + "weight", c.weight().value(), c.weight(), true, false));
                if (c.bias() != null) out.add(new Entry(prefix + "bias", c.bias().value(), c.bias(), false, false));
            }
            case BatchNorm b -> {
                out.add(new Entry(prefix + "weight", b.weight().value(), b.weight(), false, false));
                out.add(new Entry(prefix + "bias", b.bias().value(), b.bias(), false, false));
                out.add(new Entry(prefix + "running_mean", b.runningMean(), null, false, false));
                out.add(new Entry(prefix + "running_var", b.runningVar(), null, false, false));
                out.add(new Entry(prefix + "num_batches_tracked", null, null, false, true));
            }
            case ReLU _, MaxPool2d _, GlobalAvgPool2d _, Flatten _, Dropout _, AbstractKWinners _ -> { }
            default -> throw new IllegalArgumentException("PyTorch export: layer '" + stripDot(prefix) + "' " + layer.describe()
                    + " has no torch.nn equivalent here");
        }
    }

    /** The torch module as JSON-ready maps: what docs/interop.md's builder turns into torch.nn modules. */
    public static Object moduleSpec(Layer layer) {
        Map<String, Object> m = new LinkedHashMap<>();
        switch (layer) {
            case Sequential s -> {
                m.put("type", "Sequential");
                List<Object> children = new ArrayList<>();
                for (Layer c : s.children()) children.add(moduleSpec(c));
                m.put("layers", children);
            }
            case ResidualBlock r -> {
                Conv2d conv1 = (Conv2d) r.children().get(0);
                m.put("type", "BasicBlock");
                m.put("in", conv1.inChannels());
                m.put("out", conv1.outChannels());
                m.put("stride", conv1.stride());
            }
            case Linear l -> {
                m.put("type", "Linear");
                m.put("in", l.inFeatures());
                m.put("out", l.outFeatures());
                m.put("bias", l.bias() != null);
            }
            case Conv2d c -> {
                m.put("type", "Conv2d");
                m.put("in", c.inChannels());
                m.put("out", c.outChannels());
                m.put("kernel", List.of(c.kernelHeight(), c.kernelWidth()));
                m.put("stride", c.stride());
                m.put("padding", c.padding());
                m.put("bias", c.bias() != null);
            }
            case BatchNorm b -> {
                m.put("type", b instanceof BatchNorm1d ? "BatchNorm1d" : "BatchNorm2d");
                m.put("features", b.runningMean().size());
                m.put("eps", b.eps());
            }
            case ReLU _ -> m.put("type", "ReLU");
            case MaxPool2d p -> {
                m.put("type", "MaxPool2d");
                m.put("kernel", p.kernel());
                m.put("stride", p.stride());
            }
            case GlobalAvgPool2d _ -> m.put("type", "GlobalAvgPool2d");
            case Flatten _ -> m.put("type", "Flatten");
            case Dropout d -> {
                m.put("type", "Dropout");
                m.put("p", d.p());
            }
            case AbstractKWinners k -> {
                m.put("type", "KWinners");
                m.put("density", k.density());
                m.put("k_inference_factor", k.options().kInferenceFactor());
                m.put("local", k instanceof KWinners2d k2 && k2.isLocal());
            }
            default -> throw new IllegalArgumentException("PyTorch export: layer " + layer.describe() + " has no torch.nn equivalent here");
        }
        return m;
    }

    /**
     * Writes the state dict of {@code model} to {@code file} atomically. {@code batchesTracked} goes into every
     * BatchNorm's num_batches_tracked (PyTorch counts training batches there; Sparrow does not keep the count).
     */
    public static void write(Layer model, Path file, Map<String, String> metadata, long batchesTracked) throws IOException {
        Map<String, TensorSource> tensors = new LinkedHashMap<>();
        for (Entry e : entries(model)) {
            TensorSource t = e.counter() ? TensorData.i64(new long[] {batchesTracked}) : TensorSource.of(e.value());
            if (tensors.put(e.name(), t) != null) throw new IllegalStateException("two state dict tensors named " + e.name());
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FORMAT_KEY, "pt");
        meta.put(MODULE_KEY, Json.write(moduleSpec(model)));
        if (metadata != null) meta.putAll(metadata);
        SafetensorsWriter.write(file, tensors, meta);
    }

    /**
     * Reads the state dict in {@code file} into {@code model}: parameters, BatchNorm statistics, and masks from
     * the zeros of each Linear and Conv2d weight. Every tensor is checked before anything changes; a missing,
     * extra, mis-typed or mis-shaped tensor is an IllegalArgumentException naming each such tensor and the shape
     * the model expects.
     */
    public static void load(Path file, Layer model) throws IOException {
        load(file, model, null);
    }

    /** As {@link #load(Path, Layer)}; {@code modelName} (e.g. "mlp") names the model in errors, when not null. */
    public static void load(Path file, Layer model, String modelName) throws IOException {
        SafetensorsFile content = SafetensorsReader.read(file);
        Map<String, TensorData> tensors = content.tensors();
        List<String> problems = new ArrayList<>();
        Map<String, Boolean> used = new LinkedHashMap<>();
        List<float[]> values = new ArrayList<>();
        List<float[]> pruneMasks = new ArrayList<>();
        List<Entry> entries = entries(model);
        for (Entry e : entries) {
            if (e.counter()) {
                TensorData t = tensors.get(e.name());
                if (t != null) {
                    used.put(e.name(), true);
                    if (t.elementCount() != 1 || (t.dtype() != DType.I64 && t.dtype() != DType.I32)) {
                        problems.add("tensor '" + e.name() + "' is " + t.dtype() + Arrays.toString(t.shape()) + "; expected one I64 value");
                    }
                }
                values.add(null);
                pruneMasks.add(null);
                continue;
            }
            int[] shape = e.value().shape();
            TensorData t = tensors.get(e.name());
            float[] mask = null;
            float[] v;
            if (t == null && e.maskable() && tensors.containsKey(e.name() + "_orig")) {
                // torch.nn.utils.prune: weight = weight_orig * weight_mask
                v = f32(e.name() + "_orig", tensors.get(e.name() + "_orig"), shape, problems);
                used.put(e.name() + "_orig", true);
                TensorData m = tensors.get(e.name() + "_mask");
                if (m == null) {
                    problems.add("tensor '" + e.name() + "_orig' has no '" + e.name() + "_mask' beside it");
                } else {
                    used.put(e.name() + "_mask", true);
                    mask = f32(e.name() + "_mask", m, shape, problems);
                    if (mask != null && v != null) {
                        for (int i = 0; i < v.length; i++) {
                            if (mask[i] != 0f && mask[i] != 1f) {
                                problems.add("tensor '" + e.name() + "_mask' has value " + mask[i] + " at " + i + "; expected 0 or 1");
                                break;
                            }
                            v[i] *= mask[i];
                        }
                    }
                }
            } else if (t == null) {
                problems.add("tensor '" + e.name() + "' " + Arrays.toString(shape) + " is missing");
                v = null;
            } else {
                used.put(e.name(), true);
                v = f32(e.name(), t, shape, problems);
            }
            values.add(v);
            pruneMasks.add(mask);
        }
        for (String name : tensors.keySet()) {
            if (!used.containsKey(name)) problems.add("tensor '" + name + "' is not part of the model");
        }
        if (!problems.isEmpty()) {
            List<String> shown = problems.subList(0, Math.min(problems.size(), MAX_LISTED_PROBLEMS));
            throw new IllegalArgumentException("state dict " + file + " does not fit "
                    + (modelName != null ? "model " + modelName : "the model") + ": "
                    + String.join("; ", shown) + (problems.size() > shown.size() ? "; and " + (problems.size() - shown.size()) + " more" : ""));
        }
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            float[] v = values.get(i);
            if (v == null) continue;
            System.arraycopy(v, 0, e.value().data(), 0, v.length);
            if (e.maskable()) e.parameter().setMask(maskFromZeros(v, pruneMasks.get(i)));
        }
    }

    /** The mask of a weight read from a state dict: the pruning mask when given, else 0 at each exact zero; null when dense. */
    static Mask maskFromZeros(float[] weight, float[] pruneMask) {
        float[] keep = new float[weight.length];
        boolean any = false;
        for (int i = 0; i < weight.length; i++) {
            boolean active = pruneMask != null ? pruneMask[i] != 0f : weight[i] != 0f;
            keep[i] = active ? 1f : 0f;
            any |= !active;
        }
        return any ? Mask.of(keep) : null;
    }

    private static float[] f32(String name, TensorData t, int[] shape, List<String> problems) {
        if (!Arrays.equals(t.shape(), shape)) {
            problems.add("tensor '" + name + "' has shape " + Arrays.toString(t.shape()) + "; the model expects " + Arrays.toString(shape));
            return null;
        }
        return switch (t.dtype()) {
            case F32 -> t.toF32();
            case F64 -> {
                double[] d = t.toF64();
                float[] f = new float[d.length];
                for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
                yield f;
            }
            case BOOL, U8 -> {
                byte[] b = t.toU8();
                float[] f = new float[b.length];
                for (int i = 0; i < b.length; i++) f[i] = b[i] & 0xff;
                yield f;
            }
            default -> {
                problems.add("tensor '" + name + "' is " + t.dtype() + "; expected F32 (save the module in float32)");
                yield null;
            }
        };
    }

    private static String stripDot(String prefix) {
        return prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }
}
