package dev.sparrow.cli;

import dev.sparrow.train.RunDirectory;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.util.Json;
import dev.sparrow.util.JsonException;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The PNG plots of a run folder, drawn from its {@code metrics.jsonl} and {@code summary.json}:
 * {@code accuracy.png} (train and test accuracy per epoch), {@code loss.png} (train and test loss per
 * epoch) and, for a sparse run, {@code sparsity.png} (final sparsity per layer).
 */
final class RunPlots {
    static final String ACCURACY = "accuracy.png";
    static final String LOSS = "loss.png";
    static final String SPARSITY = "sparsity.png";
    static final int WIDTH = 800;
    static final int HEIGHT = 500;
    private static final int MAX_FILE_CHARS = 64 << 20;

    static {
        // plots are drawn off-screen, also on servers without a display
        System.setProperty("java.awt.headless", "true");
    }

    private RunPlots() {}

    /** One epoch's figures that the plots use. */
    record Epoch(int epoch, double trainAccuracy, double valAccuracy, double trainLoss, double valLoss) {}

    /**
     * Writes the plots into {@code runDir}, replacing older ones; returns the files written.
     *
     * @throws UserInputException if metrics.jsonl is missing, empty or malformed, or summary.json is malformed
     */
    static List<Path> write(Path runDir) throws IOException {
        if (runDir == null) throw new IllegalArgumentException("runDir must not be null");
        if (!Files.isDirectory(runDir)) throw new UserInputException(runDir + ": not a run folder (no such directory)");
        Path metricsFile = runDir.resolve(RunDirectory.METRICS);
        List<Epoch> epochs = new ArrayList<>();
        Map<String, Double> lastLayers = Map.of();
        List<String> lines = readLines(metricsFile);
        // a crash or a full disk can cut the last write short: skip that line, say so, and draw the rest
        if (!lines.isEmpty() && !endsWithNewline(metricsFile)) {
            System.err.println("warning: " + metricsFile + ": skipped the torn last line " + lines.size()
                    + " (written when the run stopped; 'sparrow train --resume' drops it)");
            lines = lines.subList(0, lines.size() - 1);
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            Map<String, Object> row = parse(metricsFile, "line " + (i + 1), line);
            epochs.add(new Epoch((int) number(metricsFile, i + 1, row, "epoch"), number(metricsFile, i + 1, row, "train_accuracy"),
                    number(metricsFile, i + 1, row, heldOut(row, "accuracy")), number(metricsFile, i + 1, row, "train_loss"),
                    number(metricsFile, i + 1, row, heldOut(row, "loss"))));
            if (row.get("layer_sparsity") instanceof Map<?, ?> m) lastLayers = fractions(metricsFile, "line " + (i + 1), m);
        }
        if (epochs.isEmpty()) throw new UserInputException(metricsFile + ": no epochs recorded");

        Map<String, Double> layers = summaryLayers(runDir.resolve(RunDirectory.SUMMARY));
        if (layers == null) layers = lastLayers;
        String label = runLabel(runDir);
        String suffix = label == null ? "" : " (" + label + ")";

        List<Path> written = new ArrayList<>();
        written.add(save(lineChart("Accuracy per epoch" + suffix, "accuracy", epochs, true), runDir.resolve(ACCURACY)));
        written.add(save(lineChart("Loss per epoch" + suffix, "loss", epochs, false), runDir.resolve(LOSS)));
        if (!layers.isEmpty()) written.add(save(sparsityChart(layers, suffix), runDir.resolve(SPARSITY)));
        return written;
    }

    /** The per-epoch held-out figure's key: "val_" since runs hold out a validation set, "test_" in older runs. */
    private static String heldOut(Map<String, Object> row, String what) {
        boolean old = !row.containsKey("val_loss") && !row.containsKey("val_accuracy")
                && (row.containsKey("test_loss") || row.containsKey("test_accuracy"));
        return (old ? "test_" : "val_") + what;
    }

    /**
     * After a finished run: writes the plots and names them; a plot that fails is only a warning, since
     * the run folder itself is complete and {@code sparrow report} can draw them again.
     */
    static void writeAfterRun(Path runDir, PrintStream out, PrintStream err) {
        try {
            List<Path> files = write(runDir);
            out.println("Plots: " + String.join(", ", files.stream().map(p -> p.getFileName().toString()).toList()));
        } catch (IOException | RuntimeException e) {
            err.println("warning: no plots written to " + runDir + ": " + e.getMessage());
        } catch (LinkageError e) {
            // a jlinked runtime without java.desktop (XChart draws with java.awt): the run itself is complete
            err.println("warning: no plots written to " + runDir + ": this Java runtime lacks the java.desktop module"
                    + " that drawing needs (" + e.getMessage() + "); the run's metrics and checkpoint are complete");
        }
    }

    private static XYChart lineChart(String title, String yTitle, List<Epoch> epochs, boolean accuracy) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("epoch").yAxisTitle(yTitle).build();
        double[] x = new double[epochs.size()];
        double[] train = new double[epochs.size()];
        double[] test = new double[epochs.size()];
        for (int i = 0; i < x.length; i++) {
            Epoch e = epochs.get(i);
            x[i] = e.epoch();
            train[i] = accuracy ? e.trainAccuracy() : e.trainLoss();
            test[i] = accuracy ? e.valAccuracy() : e.valLoss();
        }
        chart.addSeries("train", x, train);
        chart.addSeries("validation", x, test);
        chart.getStyler().setDecimalPattern("#0.###");
        return chart;
    }

    private static CategoryChart sparsityChart(Map<String, Double> layers, String suffix) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title("Final sparsity per layer" + suffix)
                .xAxisTitle("layer").yAxisTitle("sparsity").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setXAxisLabelRotation(layers.size() > 4 ? 45 : 0);
        chart.addSeries("sparsity", new ArrayList<>(layers.keySet()), new ArrayList<Number>(layers.values()));
        return chart;
    }

    private static Path save(Chart<?, ?> chart, Path file) throws IOException {
        return PngFiles.save(chart, file);
    }

    /**
     * What a plot's title says about the run: model, method and sparsity ("mlp, rigl at 90.0% sparsity" or
     * "mlp, dense"), from the checkpoint (the sparsity its masks reached), else summary.json (the sparsity asked
     * for); null when neither says.
     */
    static String runLabel(Path runDir) {
        try {
            // the checkpoint's masks give the sparsity over every weight matrix, as 'sparrow train' and 'eval' print it
            Path checkpoint = runDir.resolve(RunDirectory.CHECKPOINT);
            if (Files.exists(checkpoint)) {
                dev.sparrow.io.CheckpointData data = dev.sparrow.io.Checkpoint.read(checkpoint);
                TrainConfig config = dev.sparrow.train.CheckpointModel.config(data);
                return label(config, config.sparsity().isDense() ? null : dev.sparrow.io.SparsityReport.of(data).sparsity());
            }
            Path summaryFile = runDir.resolve(RunDirectory.SUMMARY);
            if (Files.exists(summaryFile)) {
                Map<String, Object> summary = parse(summaryFile, "document", Files.readString(summaryFile, StandardCharsets.UTF_8));
                if (summary.get("config") instanceof Map<?, ?> c) {
                    @SuppressWarnings("unchecked")
                    TrainConfig config = TrainConfig.fromJson((Map<String, Object>) c);
                    return label(config, null);
                }
            }
        } catch (IOException | RuntimeException e) {
            // a title without the label is better than no plot
        }
        return null;
    }

    /** "mlp, rigl at 90.0% sparsity" (the sparsity reached when known, else the one asked for) or "mlp, dense". */
    static String label(TrainConfig config, Double reached) {
        if (config.sparsity().isDense()) return config.model() + ", dense";
        double s = reached != null ? reached : config.sparsity().sparsity();
        return String.format(java.util.Locale.ROOT, "%s, %s at %.1f%% sparsity", config.model(), config.sparsity().label(), 100 * s);
    }

    /** summary.json's final per-layer sparsity; null when there is no summary or it has none. */
    private static Map<String, Double> summaryLayers(Path summaryFile) throws IOException {
        if (!Files.exists(summaryFile)) return null;
        Map<String, Object> summary = parse(summaryFile, "document", Files.readString(summaryFile, StandardCharsets.UTF_8));
        if (!(summary.get("sparsity") instanceof Map<?, ?> sparsity)) return null;
        if (!(sparsity.get("layers") instanceof Map<?, ?> layers)) {
            throw new UserInputException(summaryFile + ": 'sparsity' has no 'layers' object");
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : layers.entrySet()) {
            if (!(e.getValue() instanceof Map<?, ?> l) || !(l.get("sparsity") instanceof Number n)) {
                throw new UserInputException(summaryFile + ": layer '" + e.getKey() + "' has no numeric 'sparsity'");
            }
            out.put(String.valueOf(e.getKey()), n.doubleValue());
        }
        return out;
    }

    private static Map<String, Double> fractions(Path file, String where, Map<?, ?> m) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof Number n)) {
                throw new UserInputException(file + ": " + where + ": layer_sparsity '" + e.getKey() + "' is not a number");
            }
            out.put(String.valueOf(e.getKey()), n.doubleValue());
        }
        return out;
    }

    private static boolean endsWithNewline(Path file) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            if (ch.size() == 0) return true;
            java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
            ch.read(last, ch.size() - 1);
            return last.get(0) == '\n';
        }
    }

    private static List<String> readLines(Path file) throws IOException {
        try {
            if (Files.size(file) > MAX_FILE_CHARS) throw new UserInputException(file + ": larger than " + MAX_FILE_CHARS + " bytes");
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UserInputException(file + ": not found; is this a run folder written by 'sparrow train'?");
        }
    }

    private static Map<String, Object> parse(Path file, String where, String text) {
        try {
            return Json.parseObject(text, Json.Limits.of(MAX_FILE_CHARS));
        } catch (JsonException e) {
            throw new UserInputException(file + ": " + where + ": malformed JSON: " + e.getMessage());
        }
    }

    private static double number(Path file, int line, Map<String, Object> row, String key) {
        if (!(row.get(key) instanceof Number n)) {
            throw new UserInputException(file + ": line " + line + ": '" + key + "' is "
                    + (row.containsKey(key) ? "not a number" : "missing"));
        }
        return n.doubleValue();
    }
}
