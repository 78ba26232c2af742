package dev.sparrow.io;

import dev.sparrow.nn.Layer;
import dev.sparrow.nn.ModelState;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.tensor.Tensor;
import dev.sparrow.util.Json;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training state in one safetensors file, readable by Python's {@code safetensors}:
 * <ul>
 * <li>parameters under their {@link Modules#namedParameters} names ("0.weight"), F32;</li>
 * <li>masks as "{@code <parameter>.mask}", U8 0/1 with the parameter's shape, only for masked parameters;</li>
 * <li>buffers under their {@link Modules#namedBuffers} names ("1.running_mean"), F32;</li>
 * <li>optimizer state as "{@code optim.<key>}" for each entry of the optimizer's {@code state()}, F32;</li>
 * <li>a sparse training method's own state, when it has one, as "{@code sparsity.<key>}", F32 (e.g. the
 *     dense weights of N:M SR-STE);</li>
 * <li>metadata (strings only): {@value #FORMAT_VERSION_KEY}, {@value #MODEL_KEY} (the model's
 *     description), {@value #BUFFERS_KEY} (JSON array of buffer names), plus the caller's entries,
 *     conventionally {@value #CONFIG_KEY} (run config as JSON), {@value #EPOCH_KEY} and {@value #GLOBAL_STEP_KEY}
 *     (see {@link #metadata}), {@value #SPEC_KEY} (the {@link ModelSpec}, so the model loads alone), and {@value #OPTIMIZER_KEY} and {@value #OPTIMIZER_STEP_KEY} when an
 *     optimizer is saved.</li>
 * </ul>
 * Files are written atomically (see {@link SafetensorsWriter}). The optimizer is not named here (io sits
 * below optim): its state comes in as a map, and {@code train.TrainingCheckpoint} saves and restores
 * a whole training state.
 */
public final class Checkpoint {
    public static final String FORMAT_VERSION = "1";
    public static final String FORMAT_VERSION_KEY = "sparrow.format_version";
    public static final String CONFIG_KEY = "sparrow.config";
    public static final String EPOCH_KEY = "sparrow.epoch";
    public static final String GLOBAL_STEP_KEY = "sparrow.global_step";
    public static final String MODEL_KEY = "sparrow.model";
    public static final String OPTIMIZER_KEY = "sparrow.optimizer";
    public static final String BUFFERS_KEY = "sparrow.buffers";
    /** The {@link ModelSpec} as JSON: architecture, sample shape, class names, input normalisation. */
    public static final String SPEC_KEY = "sparrow.model_spec";
    /** The optimizer's step count at save time, for reading only: restoring goes through the optimizer's own {@code loadState}. */
    public static final String OPTIMIZER_STEP_KEY = "sparrow.optimizer_step";
    public static final String MASK_SUFFIX = ModelState.MASK_SUFFIX;
    public static final String OPTIMIZER_PREFIX = "optim.";
    public static final String SPARSITY_PREFIX = "sparsity.";

    private Checkpoint() {}

    /**
     * The conventional metadata of a training checkpoint, as a mutable map the caller may extend
     * (e.g. with RNG state or the data loader seed).
     */
    public static Map<String, String> metadata(String configJson, long epoch, long globalStep) {
        Map<String, String> m = new LinkedHashMap<>();
        if (configJson != null) m.put(CONFIG_KEY, configJson);
        m.put(EPOCH_KEY, Long.toString(epoch));
        m.put(GLOBAL_STEP_KEY, Long.toString(globalStep));
        return m;
    }

    /** As {@link #metadata(String, long, long)}, with the model's {@link ModelSpec} (null for none). */
    public static Map<String, String> metadata(String configJson, ModelSpec spec, long epoch, long globalStep) {
        Map<String, String> m = metadata(configJson, epoch, globalStep);
        if (spec != null) m.put(SPEC_KEY, spec.toJsonText());
        return m;
    }

    /**
     * Saves {@code model} (and {@code optimizerState}, the optimizer's {@code state()}, when not null)
     * to {@code file}, atomically.
     *
     * @param metadata caller's string entries; it may not set {@value #FORMAT_VERSION_KEY}
     * @throws IllegalArgumentException if two tensors would get the same name (e.g. a parameter
     *                                  literally named "x.mask" beside a masked "x")
     */
    public static void save(Path file, Layer model, Map<String, Tensor> optimizerState, Map<String, String> metadata)
            throws IOException {
        save(file, model, optimizerState, Map.of(), metadata);
    }

    /**
     * As {@link #save(Path, Layer, Map, Map)}, with a sparse training method's state saved as
     * "{@value #SPARSITY_PREFIX}{@code <key>}" (read back by {@link CheckpointData#sparsityState()}).
     */
    public static void save(Path file, Layer model, Map<String, Tensor> optimizerState, Map<String, Tensor> sparsityState,
                            Map<String, String> metadata) throws IOException {
        if (sparsityState == null) throw new IllegalArgumentException("sparsityState is null");
        if (file == null) throw new IllegalArgumentException("file is null");
        if (model == null) throw new IllegalArgumentException("model is null");
        if (metadata == null) throw new IllegalArgumentException("metadata is null");
        if (metadata.containsKey(FORMAT_VERSION_KEY)) {
            throw new IllegalArgumentException("metadata must not set " + FORMAT_VERSION_KEY + "; Checkpoint writes it");
        }
        Map<String, TensorSource> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : Modules.namedParameters(model).entrySet()) {
            Parameter p = e.getValue();
            put(tensors, e.getKey(), TensorSource.of(p.value()), "parameter");
        }
        for (Map.Entry<String, Parameter> e : Modules.namedParameters(model).entrySet()) {
            Parameter p = e.getValue();
            if (p.hasMask()) {
                put(tensors, e.getKey() + MASK_SUFFIX, TensorSource.u8Flags(p.mask().values(), p.value().shape()), "mask");
            }
        }
        Map<String, Tensor> buffers = Modules.namedBuffers(model);
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            put(tensors, e.getKey(), TensorSource.of(e.getValue()), "buffer");
        }
        if (optimizerState != null) {
            for (Map.Entry<String, Tensor> e : optimizerState.entrySet()) {
                put(tensors, OPTIMIZER_PREFIX + e.getKey(), TensorSource.of(e.getValue()), "optimizer state");
            }
        }
        for (Map.Entry<String, Tensor> e : sparsityState.entrySet()) {
            put(tensors, SPARSITY_PREFIX + e.getKey(), TensorSource.of(e.getValue()), "sparsity state");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FORMAT_VERSION_KEY, FORMAT_VERSION);
        meta.put(MODEL_KEY, model.describe());
        meta.put(BUFFERS_KEY, Json.write(new ArrayList<>(buffers.keySet())));
        meta.putAll(metadata);
        SafetensorsWriter.write(file, tensors, meta);
    }

    /** Reads and validates a checkpoint file; restore the model with {@link CheckpointData#restoreInto}. */
    public static CheckpointData read(Path file) throws IOException {
        if (file == null) throw new IllegalArgumentException("file is null");
        SafetensorsFile content = SafetensorsReader.read(file);
        String version = content.metadata().get(FORMAT_VERSION_KEY);
        if (version != null && !version.equals(FORMAT_VERSION)) {
            throw new SafetensorsFormatException(file + ": checkpoint format version " + dev.sparrow.util.Echo.quote(version)
                    + " is not supported; expected " + Json.quote(FORMAT_VERSION));
        }
        return new CheckpointData(file, content.metadata(), content.tensors());
    }

    private static void put(Map<String, TensorSource> tensors, String name, TensorSource source, String kind) {
        if (tensors.put(name, source) != null) {
            throw new IllegalArgumentException("two checkpoint tensors are named '" + name + "' (the second is a " + kind
                    + "); rename the parameter or buffer");
        }
    }
}
