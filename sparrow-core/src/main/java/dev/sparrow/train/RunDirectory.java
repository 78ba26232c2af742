package dev.sparrow.train;

import dev.sparrow.nn.Parameter;
import dev.sparrow.util.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The output folder of a run: {@code metrics.jsonl} (one JSON object per epoch), {@code summary.json}
 * (final figures and the full config) and {@code checkpoint.safetensors} (the latest epoch), so that
 * scripts read results without parsing the console.
 */
public final class RunDirectory {
    public static final String METRICS = "metrics.jsonl";
    public static final String SUMMARY = "summary.json";
    public static final String CHECKPOINT = "checkpoint.safetensors";

    private final Path path;

    private RunDirectory(Path path) {
        this.path = path;
    }

    /** Creates the folder; a fresh run starts a new metrics file, a resumed one appends to it. */
    public static RunDirectory create(Path path, boolean fresh) throws IOException {
        Files.createDirectories(path);
        if (fresh) Files.deleteIfExists(path.resolve(METRICS));
        return new RunDirectory(path);
    }

    public Path path() { return path; }

    public Path checkpoint() { return path.resolve(CHECKPOINT); }

    public void appendMetrics(EpochResult r) throws IOException {
        appendMetrics(r, Map.of());
    }

    /**
     * Appends the epoch's row; a sparse run adds {@code layer_sparsity} {name: fraction of zeros in the mask}
     * (see {@link #layerSparsity}), a dense one (empty map) writes the row as it always was.
     */
    public void appendMetrics(EpochResult r, Map<String, Double> layerSparsity) throws IOException {
        if (layerSparsity == null) throw new IllegalArgumentException("layerSparsity must not be null (empty when dense)");
        Map<String, Object> row = r.toJson();
        if (!layerSparsity.isEmpty()) row.put("layer_sparsity", new LinkedHashMap<>(layerSparsity));
        Files.writeString(path.resolve(METRICS), Json.write(row) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /** Sparsity of every masked parameter, in model order; empty for a dense model. */
    public static Map<String, Double> layerSparsity(Map<String, Parameter> parameters) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            Parameter p = e.getValue();
            if (p.hasMask()) out.put(e.getKey(), 1.0 - (double) p.mask().activeCount() / p.size());
        }
        return out;
    }

    public void writeSummary(TrainConfig config, List<EpochResult> epochs, long parameters, String kernels,
                             String model) throws IOException {
        writeSummary(config, epochs, parameters, kernels, model, Map.of(), Double.NaN, Double.NaN, null);
    }

    /**
     * As {@link #writeSummary(TrainConfig, List, long, String, String)}, with the final test figures
     * (NaN when not measured) and the model's spec (null for none); a sparse run ({@code masked} not
     * empty) adds {@code sparsity} {sparsity, active, size, layers: {name: {sparsity, active, size}}} over
     * the masked parameters at the end of the run.
     */
    public void writeSummary(TrainConfig config, List<EpochResult> epochs, long parameters, String kernels,
                             String model, Map<String, Parameter> masked, double testLoss, double testAccuracy,
                             dev.sparrow.io.ModelSpec spec) throws IOException {
        if (masked == null) throw new IllegalArgumentException("masked must not be null (empty when dense)");
        Map<String, Object> s = new LinkedHashMap<>();
        if (!epochs.isEmpty()) {
            EpochResult last = epochs.getLast();
            if (!Double.isNaN(testAccuracy)) {
                s.put("test_accuracy", testAccuracy);
                s.put("test_loss", testLoss);
            }
            s.put("val_accuracy", last.valAccuracy());
            s.put("val_loss", last.valLoss());
            s.put("train_loss", last.trainLoss());
            s.put("epochs_trained", last.epoch());
            s.put("global_step", last.globalStep());
            s.put("best_val_accuracy", epochs.stream().mapToDouble(EpochResult::valAccuracy).max().orElse(Double.NaN));
            s.put("seconds", epochs.stream().mapToDouble(EpochResult::seconds).sum());
            s.put("train_samples_per_second", epochs.stream().mapToDouble(EpochResult::samplesPerSecond).average().orElse(Double.NaN));
        }
        s.put("parameters", parameters);
        Map<String, Object> sparsity = finalSparsity(masked);
        if (sparsity != null) s.put("sparsity", sparsity);
        s.put("model_summary", model);
        s.put("kernels", kernels);
        s.put("java", Runtime.version().toString());
        s.put("finished_at", Instant.now().toString());
        s.put("config", config.toJson());
        if (spec != null) s.put("model_spec", spec.toJson());
        writeAtomically(path.resolve(SUMMARY), Json.writePretty(s) + "\n");
    }

    private static Map<String, Object> finalSparsity(Map<String, Parameter> parameters) {
        Map<String, Object> layers = new LinkedHashMap<>();
        long active = 0;
        long size = 0;
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            Parameter p = e.getValue();
            if (!p.hasMask()) continue;
            int a = p.mask().activeCount();
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("sparsity", 1.0 - (double) a / p.size());
            l.put("active", a);
            l.put("size", p.size());
            layers.put(e.getKey(), l);
            active += a;
            size += p.size();
        }
        if (layers.isEmpty()) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sparsity", 1.0 - (double) active / size);
        m.put("active", active);
        m.put("size", size);
        m.put("layers", layers);
        return m;
    }

    private static void writeAtomically(Path target, String text) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
