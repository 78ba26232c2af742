package dev.sparrow.train;

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
        Files.writeString(path.resolve(METRICS), Json.write(r.toJson()) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    public void writeSummary(TrainConfig config, List<EpochResult> epochs, long parameters, String kernels,
                             String model) throws IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        if (!epochs.isEmpty()) {
            EpochResult last = epochs.getLast();
            s.put("test_accuracy", last.testAccuracy());
            s.put("test_loss", last.testLoss());
            s.put("train_loss", last.trainLoss());
            s.put("epochs_trained", last.epoch());
            s.put("global_step", last.globalStep());
            s.put("best_test_accuracy", epochs.stream().mapToDouble(EpochResult::testAccuracy).max().orElse(Double.NaN));
            s.put("seconds", epochs.stream().mapToDouble(EpochResult::seconds).sum());
            s.put("train_samples_per_second", epochs.stream().mapToDouble(EpochResult::samplesPerSecond).average().orElse(Double.NaN));
        }
        s.put("parameters", parameters);
        s.put("model_summary", model);
        s.put("kernels", kernels);
        s.put("java", Runtime.version().toString());
        s.put("finished_at", Instant.now().toString());
        s.put("config", config.toJson());
        writeAtomically(path.resolve(SUMMARY), Json.writePretty(s) + "\n");
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
