package dev.sparrow.io;

import dev.sparrow.nn.Layer;
import dev.sparrow.nn.ModelState;
import dev.sparrow.tensor.Tensor;
import dev.sparrow.util.Echo;
import dev.sparrow.util.Json;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A checkpoint read by {@link Checkpoint#read}: its tensors and metadata by role (model state,
 * optimizer state, sparsity state, run metadata). Putting the model state back is {@link #restoreInto};
 * an optimizer loads {@link #optimizerState()} itself; {@link #summary()} and {@link #describe()} report.
 */
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

    /**
     * The model's {@link ModelSpec} ({@value Checkpoint#SPEC_KEY}), validated; empty for a checkpoint
     * written before specs existed (see {@link #legacyArchitecture()}).
     */
    public Optional<ModelSpec> modelSpec() {
        String json = metadata.get(Checkpoint.SPEC_KEY);
        return json == null ? Optional.empty() : Optional.of(ModelSpec.parse(json, "checkpoint " + file));
    }

    /**
     * The model name in the run config of a checkpoint without a {@link ModelSpec}, so that an old
     * checkpoint can still be rebuilt (with {@link ModelSpec#fashionMnist}, the only data it could have had).
     */
    public Optional<String> legacyArchitecture() {
        String json = metadata.get(Checkpoint.CONFIG_KEY);
        if (json == null) return Optional.empty();
        Object model = Json.parseObject(json, Json.Limits.of(1 << 20)).get("model");
        if (!(model instanceof String s) || s.isBlank()) {
            throw new IllegalArgumentException("checkpoint " + file + ": run config has no 'model' string");
        }
        return Optional.of(s);
    }

    public OptionalLong epoch() { return longEntry(Checkpoint.EPOCH_KEY); }

    public OptionalLong globalStep() { return longEntry(Checkpoint.GLOBAL_STEP_KEY); }

    /** The optimizer state ({@value Checkpoint#OPTIMIZER_PREFIX} tensors, prefix removed), F32. */
    public Map<String, Tensor> optimizerState() { return prefixedF32(Checkpoint.OPTIMIZER_PREFIX); }

    /** A sparse training method's saved state ({@value Checkpoint#SPARSITY_PREFIX} tensors, prefix removed), F32. */
    public Map<String, Tensor> sparsityState() { return prefixedF32(Checkpoint.SPARSITY_PREFIX); }

    /**
     * Why this checkpoint's model state (parameters, masks, buffers) does not fit {@code model}: tensors
     * of the wrong dtype, mask values other than 0/1, and each missing, extra or mis-shaped tensor.
     * Empty when {@link #restoreInto} would succeed.
     */
    public List<String> problems(Layer model) {
        List<String> problems = new ArrayList<>();
        modelStateFor(model, problems);
        return problems;
    }

    /**
     * Copies parameters, masks and buffers into {@code model} (see {@link ModelState#load}); the
     * optimizer and sparsity state are left to their owners. Everything is checked before anything
     * changes: a problem is an {@link IllegalArgumentException} from {@link #doesNotFit}, and the
     * model is left as it was. A parameter without a mask in the file ends up without a mask.
     */
    public void restoreInto(Layer model) {
        List<String> problems = new ArrayList<>();
        Map<String, Tensor> state = modelStateFor(model, problems);
        if (!problems.isEmpty()) throw doesNotFit(model, problems);
        ModelState.load(model, state);
    }

    /** The error for a checkpoint that does not fit {@code model}, naming the file and the first problems. */
    public IllegalArgumentException doesNotFit(Layer model, List<String> problems) {
        List<String> shown = problems.subList(0, Math.min(problems.size(), MAX_LISTED_PROBLEMS));
        return new IllegalArgumentException("checkpoint " + file + " does not fit model " + model.describe() + ": "
                + String.join("; ", shown)
                + (problems.size() > shown.size() ? "; and " + (problems.size() - shown.size()) + " more" : ""));
    }

    /**
     * One summary per tensor in file order. Roles come from the names: "optim.*" is optimizer state,
     * "{@code x.mask}" beside a tensor {@code x} is a mask, names listed in {@value Checkpoint#BUFFERS_KEY}
     * are buffers, the rest parameters. A masked parameter and its mask carry the mask's sparsity.
     */
    public List<TensorSummary> summary() { return CheckpointDescription.summary(this); }

    /** A human-readable report for {@code sparrow inspect}: metadata, then one line per tensor, then totals. */
    public String describe() { return CheckpointDescription.describe(this); }

    private Map<String, Tensor> modelStateFor(Layer model, List<String> problems) {
        if (model == null) throw new IllegalArgumentException("model is null");
        Map<String, Tensor> state = CheckpointRestore.modelState(this, problems);
        // a tensor left out for its dtype would also be reported missing: report the first cause only
        if (problems.isEmpty()) problems.addAll(ModelState.problems(model, state));
        return state;
    }

    /** Whether {@code name} is the mask of a tensor beside it ("x.mask" next to "x"). */
    boolean isMask(String name) {
        return name.endsWith(Checkpoint.MASK_SUFFIX) && !name.startsWith(Checkpoint.OPTIMIZER_PREFIX)
                && tensors.containsKey(name.substring(0, name.length() - Checkpoint.MASK_SUFFIX.length()));
    }

    private Map<String, Tensor> prefixedF32(String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            if (e.getKey().startsWith(prefix)) out.put(e.getKey().substring(prefix.length()), toF32(e.getKey(), e.getValue()));
        }
        return out;
    }

    private OptionalLong longEntry(String key) {
        String v = metadata.get(key);
        if (v == null) return OptionalLong.empty();
        try {
            return OptionalLong.of(Long.parseLong(v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("checkpoint " + file + ": metadata '" + key + "' is " + Echo.quote(v) + "; expected an integer");
        }
    }

    private Tensor toF32(String name, TensorData t) {
        if (t.dtype() != DType.F32) {
            throw new IllegalStateException("checkpoint " + file + ": tensor '" + name + "' is " + t.dtype() + "; expected F32");
        }
        return t.toTensor();
    }
}
