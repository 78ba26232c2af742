package dev.sparrow.io;

import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.optim.Optimizer;
import dev.sparrow.tensor.Tensor;
import dev.sparrow.util.Json;
import dev.sparrow.util.JsonException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/** A checkpoint read by {@link Checkpoint#read}: its tensors and metadata, and how to put them back into a model. */
public final class CheckpointData {
    private static final int MAX_LISTED_PROBLEMS = 20;

    private final Path file;
    private final Map<String, String> metadata;
    private final Map<String, TensorData> tensors;

    CheckpointData(Path file, Map<String, String> metadata, Map<String, TensorData> tensors) {
        this.file = file;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    public Path file() { return file; }

    /** Every metadata entry, the caller's included, in file order. */
    public Map<String, String> metadata() { return metadata; }

    /** Every tensor by its name in the file, in data order. */
    public Map<String, TensorData> tensors() { return tensors; }

    /** The format version, or null for a safetensors file not written by {@link Checkpoint}. */
    public String formatVersion() { return metadata.get(Checkpoint.FORMAT_VERSION_KEY); }

    /** The run config JSON ({@value Checkpoint#CONFIG_KEY}), when present. */
    public Optional<String> config() { return Optional.ofNullable(metadata.get(Checkpoint.CONFIG_KEY)); }

    public OptionalLong epoch() { return longEntry(Checkpoint.EPOCH_KEY); }

    public OptionalLong globalStep() { return longEntry(Checkpoint.GLOBAL_STEP_KEY); }

    /** The optimizer state ("optim." prefix removed) as float32 tensors. */
    public Map<String, Tensor> optimizerState() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            if (e.getKey().startsWith(Checkpoint.OPTIMIZER_PREFIX)) {
                out.put(e.getKey().substring(Checkpoint.OPTIMIZER_PREFIX.length()), toF32(e.getKey(), e.getValue()));
            }
        }
        return out;
    }

    /**
     * Copies parameters, masks and buffers into {@code model}, and the optimizer state into
     * {@code optimizer} unless it is null (the file's optimizer state is then ignored). Everything is
     * checked before anything changes: a missing, extra or mis-shaped tensor is an
     * {@link IllegalArgumentException} listing each such tensor by name, and the model is left as it
     * was. A parameter without a mask in the file ends up without a mask.
     */
    public void restoreInto(Layer model, Optimizer optimizer) {
        if (model == null) throw new IllegalArgumentException("model is null");
        Map<String, Parameter> params = Modules.namedParameters(model);
        Map<String, Tensor> buffers = Modules.namedBuffers(model);
        List<String> problems = new ArrayList<>();
        Set<String> used = new HashSet<>();

        Map<Parameter, float[]> values = new LinkedHashMap<>();
        Map<Parameter, Mask> masks = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String name = e.getKey();
            int[] shape = e.getValue().value().shape();
            float[] v = checkedF32(name, "parameter", shape, problems);
            if (v != null) values.put(e.getValue(), v);
            used.add(name);
            String maskName = name + Checkpoint.MASK_SUFFIX;
            if (tensors.containsKey(maskName) && !params.containsKey(maskName) && !buffers.containsKey(maskName)) {
                used.add(maskName);
                Mask m = checkedMask(maskName, shape, problems);
                if (m != null) masks.put(e.getValue(), m);
            }
        }
        Map<Tensor, float[]> bufferValues = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            float[] v = checkedF32(e.getKey(), "buffer", e.getValue().shape(), problems);
            if (v != null) bufferValues.put(e.getValue(), v);
            used.add(e.getKey());
        }
        for (String name : tensors.keySet()) {
            if (!used.contains(name) && !name.startsWith(Checkpoint.OPTIMIZER_PREFIX) && !name.startsWith(Checkpoint.SPARSITY_PREFIX)) {
                problems.add("tensor '" + name + "' is in the checkpoint but the model has no such parameter, mask or buffer");
            }
        }
        Map<String, Tensor> optimizerState = new LinkedHashMap<>();
        if (optimizer != null) {
            for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
                if (!e.getKey().startsWith(Checkpoint.OPTIMIZER_PREFIX) || used.contains(e.getKey())) continue;
                if (e.getValue().dtype() != DType.F32) {
                    problems.add("optimizer state '" + e.getKey() + "' is " + e.getValue().dtype() + "; expected F32");
                } else {
                    optimizerState.put(e.getKey().substring(Checkpoint.OPTIMIZER_PREFIX.length()), e.getValue().toTensor());
                }
            }
            checkOptimizerState(optimizer, optimizerState, problems);
        }
        if (!problems.isEmpty()) {
            List<String> shown = problems.subList(0, Math.min(problems.size(), MAX_LISTED_PROBLEMS));
            throw new IllegalArgumentException("checkpoint " + file + " does not fit model " + model.describe() + ": "
                    + String.join("; ", shown)
                    + (problems.size() > shown.size() ? "; and " + (problems.size() - shown.size()) + " more" : ""));
        }

        if (optimizer != null) {
            try {
                optimizer.loadState(optimizerState);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new IllegalArgumentException("checkpoint " + file + ": optimizer " + optimizer.describe()
                        + " rejected the saved state: " + e.getMessage(), e);
            }
        }
        for (Map.Entry<Parameter, float[]> e : values.entrySet()) {
            float[] target = e.getKey().value().data();
            System.arraycopy(e.getValue(), 0, target, 0, target.length);
            e.getKey().setMask(masks.get(e.getKey()));
        }
        for (Map.Entry<Tensor, float[]> e : bufferValues.entrySet()) {
            float[] target = e.getKey().data();
            System.arraycopy(e.getValue(), 0, target, 0, target.length);
        }
    }

    private void checkOptimizerState(Optimizer optimizer, Map<String, Tensor> saved, List<String> problems) {
        Map<String, Tensor> current = optimizer.state();
        // An optimizer may create its state lazily; then only its own loadState can judge the names.
        if (current.isEmpty()) return;
        for (Map.Entry<String, Tensor> e : current.entrySet()) {
            Tensor s = saved.get(e.getKey());
            String name = Checkpoint.OPTIMIZER_PREFIX + e.getKey();
            if (s == null) {
                problems.add("optimizer state '" + name + "' " + e.getValue().shapeString() + " is missing from the checkpoint");
            } else if (!Arrays.equals(s.shape(), e.getValue().shape())) {
                problems.add("optimizer state '" + name + "' has shape " + s.shapeString() + "; expected " + e.getValue().shapeString());
            }
        }
        for (String key : saved.keySet()) {
            if (!current.containsKey(key)) {
                problems.add("optimizer state '" + Checkpoint.OPTIMIZER_PREFIX + key + "' is in the checkpoint but "
                        + optimizer.describe() + " has no such state");
            }
        }
    }

    private float[] checkedF32(String name, String kind, int[] shape, List<String> problems) {
        TensorData t = tensors.get(name);
        if (t == null) {
            problems.add(kind + " '" + name + "' " + Arrays.toString(shape) + " is missing from the checkpoint");
            return null;
        }
        if (t.dtype() != DType.F32) {
            problems.add(kind + " '" + name + "' is " + t.dtype() + "; expected F32");
            return null;
        }
        if (!Arrays.equals(t.shape(), shape)) {
            problems.add(kind + " '" + name + "' has shape " + Arrays.toString(t.shape()) + " in the checkpoint; the model expects "
                    + Arrays.toString(shape));
            return null;
        }
        return t.toF32();
    }

    private Mask checkedMask(String name, int[] shape, List<String> problems) {
        TensorData t = tensors.get(name);
        if (!Arrays.equals(t.shape(), shape)) {
            problems.add("mask '" + name + "' has shape " + Arrays.toString(t.shape()) + "; expected its parameter's shape "
                    + Arrays.toString(shape));
            return null;
        }
        float[] keep = maskValues(name, t, problems);
        if (keep == null) return null;
        try {
            return Mask.of(keep);
        } catch (IllegalArgumentException e) {
            problems.add("mask '" + name + "': " + e.getMessage());
            return null;
        }
    }

    /** Mask values as 0/1 floats from U8, BOOL or F32; null (and a problem) for other dtypes or values. */
    private static float[] maskValues(String name, TensorData t, List<String> problems) {
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

    /**
     * One summary per tensor in file order. Roles come from the names: "optim.*" is optimizer state,
     * "{@code x.mask}" beside a tensor {@code x} is a mask, names listed in {@value Checkpoint#BUFFERS_KEY}
     * are buffers, the rest parameters. A masked parameter and its mask carry the mask's sparsity.
     */
    public List<TensorSummary> summary() {
        Set<String> bufferNames = bufferNames();
        List<TensorSummary> out = new ArrayList<>();
        Map<String, Double> sparsityByParameter = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            String name = e.getKey();
            if (isMask(name)) {
                float[] keep = maskValues(name, e.getValue(), new ArrayList<>());
                if (keep != null) {
                    long zeros = 0;
                    for (float k : keep) if (k == 0f) zeros++;
                    double sparsity = keep.length == 0 ? 0.0 : (double) zeros / keep.length;
                    sparsityByParameter.put(name.substring(0, name.length() - Checkpoint.MASK_SUFFIX.length()), sparsity);
                }
            }
        }
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            String name = e.getKey();
            TensorData t = e.getValue();
            TensorSummary.Kind kind;
            OptionalDouble sparsity = OptionalDouble.empty();
            if (name.startsWith(Checkpoint.OPTIMIZER_PREFIX)) {
                kind = TensorSummary.Kind.OPTIMIZER;
            } else if (name.startsWith(Checkpoint.SPARSITY_PREFIX)) {
                kind = TensorSummary.Kind.SPARSITY;
            } else if (isMask(name)) {
                kind = TensorSummary.Kind.MASK;
                Double s = sparsityByParameter.get(name.substring(0, name.length() - Checkpoint.MASK_SUFFIX.length()));
                if (s != null) sparsity = OptionalDouble.of(s);
            } else if (bufferNames.contains(name)) {
                kind = TensorSummary.Kind.BUFFER;
            } else {
                kind = TensorSummary.Kind.PARAMETER;
                Double s = sparsityByParameter.get(name);
                if (s != null) sparsity = OptionalDouble.of(s);
            }
            out.add(new TensorSummary(name, kind, t.dtype(), t.shape(), t.elementCount(), sparsity));
        }
        return out;
    }

    /** A human-readable report for {@code sparrow inspect}: metadata, then one line per tensor, then totals. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("checkpoint ").append(file).append('\n');
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String v = e.getValue().replace("\n", " ");
            if (v.length() > 200) v = v.substring(0, 197) + "...";
            sb.append("  ").append(e.getKey()).append(" = ").append(v).append('\n');
        }
        List<TensorSummary> rows = summary();
        int width = "name".length();
        for (TensorSummary r : rows) width = Math.max(width, r.name().length());
        String format = "%-" + width + "s  %-9s  %-5s  %-18s  %12s  %s";
        sb.append(String.format(Locale.ROOT, format, "name", "kind", "dtype", "shape", "elements", "sparsity")).append('\n');
        long parameters = 0;
        double active = 0;
        for (TensorSummary r : rows) {
            String sparsity = r.sparsity().isPresent()
                    ? String.format(Locale.ROOT, "%.2f%%", 100 * r.sparsity().getAsDouble()) : "";
            sb.append(String.format(Locale.ROOT, format, r.name(), r.kind().name().toLowerCase(Locale.ROOT), r.dtype(),
                    Arrays.toString(r.shape()), r.elements(), sparsity).stripTrailing()).append('\n');
            if (r.kind() == TensorSummary.Kind.PARAMETER) {
                parameters += r.elements();
                active += r.elements() * (1 - r.sparsity().orElse(0));
            }
        }
        sb.append(String.format(Locale.ROOT, "parameters: %d, active: %d (%.2f%% sparse)%n", parameters, Math.round(active),
                parameters == 0 ? 0.0 : 100 * (1 - active / parameters)));
        return sb.toString();
    }

    /** A sparse training method's saved state ({@value Checkpoint#SPARSITY_PREFIX} tensors, prefix removed), F32. */
    public Map<String, Tensor> sparsityState() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            if (e.getKey().startsWith(Checkpoint.SPARSITY_PREFIX)) {
                out.put(e.getKey().substring(Checkpoint.SPARSITY_PREFIX.length()), toF32(e.getKey(), e.getValue()));
            }
        }
        return out;
    }

    private boolean isMask(String name) {
        return name.endsWith(Checkpoint.MASK_SUFFIX) && !name.startsWith(Checkpoint.OPTIMIZER_PREFIX)
                && tensors.containsKey(name.substring(0, name.length() - Checkpoint.MASK_SUFFIX.length()));
    }

    private Set<String> bufferNames() {
        String json = metadata.get(Checkpoint.BUFFERS_KEY);
        Set<String> names = new HashSet<>();
        if (json == null) return names;
        try {
            if (Json.parse(json, json.length()) instanceof List<?> list) {
                for (Object o : list) if (o instanceof String s) names.add(s);
            }
        } catch (JsonException e) {
            // a hand-edited or foreign file: treat every tensor as a parameter rather than fail an inspection
        }
        return names;
    }

    private OptionalLong longEntry(String key) {
        String v = metadata.get(key);
        if (v == null) return OptionalLong.empty();
        try {
            return OptionalLong.of(Long.parseLong(v));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("checkpoint " + file + ": metadata " + key + " is " + Json.quote(v) + "; expected an integer");
        }
    }

    private Tensor toF32(String name, TensorData t) {
        if (t.dtype() != DType.F32) {
            throw new IllegalStateException("checkpoint " + file + ": tensor '" + name + "' is " + t.dtype() + "; expected F32");
        }
        return t.toTensor();
    }
}
