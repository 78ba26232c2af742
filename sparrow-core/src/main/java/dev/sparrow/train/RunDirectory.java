package dev.sparrow.train;

import dev.sparrow.io.SafetensorsWriter;
import dev.sparrow.nn.Parameter;
import dev.sparrow.util.FaultInjection;
import dev.sparrow.util.Json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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

    /**
     * Creates the folder; a fresh run starts a new metrics file, a resumed one appends to it. Checks first
     * that the folder takes a file (so a read-only folder or a full disk fails now, not after an epoch) and
     * removes the temporary files a crash of an earlier start left behind.
     */
    public static RunDirectory create(Path path, boolean fresh) throws IOException {
        try {
            Files.createDirectories(path);
        } catch (IOException e) {
            throw RunFolderException.of("cannot create run folder " + path, e);
        }
        RunDirectory dir = new RunDirectory(path);
        dir.checkWritable();
        dir.removeOrphanedTemporaryFiles();
        if (fresh) Files.deleteIfExists(path.resolve(METRICS));
        return dir;
    }

    /**
     * Makes the metrics agree with a checkpoint of {@code epoch}: rows of later epochs (written before a crash
     * stopped the checkpoint that would have followed them) and a torn last line are dropped, so a resumed
     * run never repeats or glues a row. The file is replaced atomically, only when something is dropped.
     */
    public void truncateMetricsTo(long epoch) throws IOException {
        Path file = path.resolve(METRICS);
        if (!Files.exists(file)) return;
        MetricsLines lines = MetricsLines.read(file);
        List<String> kept = lines.rowsUpTo(epoch);
        if (kept.size() == lines.rows().size() && lines.torn() == null) return;
        StringBuilder text = new StringBuilder();
        for (String line : kept) text.append(line).append('\n');
        writeAtomically(file, text.toString());
    }

    private void checkWritable() throws IOException {
        Path probe = path.resolve(".sparrow-write-probe-" + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.write(probe, new byte[] {1}, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw RunFolderException.of("run folder " + path + " is not writable", e);
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    private void removeOrphanedTemporaryFiles() throws IOException {
        String checkpointTemp = SafetensorsWriter.tempPrefix(checkpoint());
        try (var files = Files.list(path)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                boolean ours = name.endsWith(".tmp") && (name.startsWith(checkpointTemp) || name.startsWith(SUMMARY)
                        || name.startsWith(METRICS) || name.startsWith(".sparrow-write-probe-"));
                if (ours && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) Files.deleteIfExists(f);
            }
        }
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
        appendWholeLine(path.resolve(METRICS), (Json.write(row) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Appends {@code line} or, when the write fails (a full disk), cuts the file back to its old length, so no
     * half row stays for the next append to glue onto. A crash in the middle still leaves a torn last line:
     * {@link #truncateMetricsTo} and the readers drop it.
     */
    private static void appendWholeLine(Path file, byte[] line) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            long start = ch.size();
            try {
                ByteBuffer buf = ByteBuffer.wrap(line);
                ch.position(start);
                // two halves, with a fault point between, so the tests can tear a line exactly
                buf.limit(line.length / 2);
                while (buf.hasRemaining()) ch.write(buf);
                FaultInjection.point("metrics line half written " + file);
                buf.limit(line.length);
                while (buf.hasRemaining()) ch.write(buf);
                FaultInjection.point("metrics line written " + file);
            } catch (IOException e) {
                try {
                    ch.truncate(start);
                } catch (IOException again) {
                    e.addSuppressed(again);
                }
                throw e;
            }
        }
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
        writeSummary(config, epochs, parameters, kernels, model, masked, testLoss, testAccuracy, spec, Map.of());
    }

    /** As above, with {@code extra} fields (e.g. "engines", the training engine chosen per layer). */
    public void writeSummary(TrainConfig config, List<EpochResult> epochs, long parameters, String kernels,
                             String model, Map<String, Parameter> masked, double testLoss, double testAccuracy,
                             dev.sparrow.io.ModelSpec spec, Map<String, Object> extra) throws IOException {
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
        s.putAll(extra);
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
        // named here rather than by Files.createTempFile, whose 0600 would ignore the umask
        Path tmp = target.resolveSibling(target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            FaultInjection.point("before rename of " + target);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            FaultInjection.point("renamed " + target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
