package dev.sparrow.cli;

import dev.sparrow.tensor.Tensor;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Counts of (true class, predicted class) over a data set: per-class accuracy, a text table and a PNG heat map. */
final class ConfusionMatrix {
    /** The file name 'sparrow eval' writes next to the checkpoint. */
    static final String PNG = "confusion.png";
    private static final int NAME_WIDTH = 12;

    private final List<String> names;
    /** [true class][predicted class] */
    private final long[][] counts;

    ConfusionMatrix(List<String> names) {
        if (names.isEmpty()) throw new IllegalArgumentException("no classes");
        this.names = List.copyOf(names);
        this.counts = new long[names.size()][names.size()];
    }

    /** Adds a batch: each row of {@code outputs} [n, classes] is predicted as its largest entry. */
    void add(Tensor outputs, int[] labels, int n) {
        int k = names.size();
        if (outputs.rowSize() != k) throw new IllegalArgumentException("outputs have " + outputs.rowSize() + " classes, not " + k);
        float[] d = outputs.data();
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 1; c < k; c++) if (d[i * k + c] > d[i * k + best]) best = c;
            add(labels[i], best);
        }
    }

    int classes() {
        return names.size();
    }

    List<String> names() {
        return names;
    }

    void add(int label, int predicted) {
        counts[label][predicted]++;
    }

    long count(int label, int predicted) {
        return counts[label][predicted];
    }

    long total(int label) {
        long t = 0;
        for (long c : counts[label]) t += c;
        return t;
    }

    /** The fraction of class {@code label}'s examples predicted as it; NaN for a class with none. */
    double accuracy(int label) {
        long t = total(label);
        return t == 0 ? Double.NaN : (double) counts[label][label] / t;
    }

    /** Per-class accuracy, then the matrix (rows: true class, columns: predicted class, numbered as in the rows). */
    String table() {
        StringBuilder s = new StringBuilder();
        int k = names.size();
        s.append(String.format(Locale.ROOT, "%-4s %-" + NAME_WIDTH + "s %9s %8s%n", "#", "class", "accuracy", "samples"));
        for (int c = 0; c < k; c++) {
            double a = accuracy(c);
            s.append(String.format(Locale.ROOT, "%-4d %-" + NAME_WIDTH + "s %9s %8d%n", c, shortName(c),
                    Double.isNaN(a) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * a), total(c)));
        }
        int width = 1;
        for (long[] row : counts) for (long v : row) width = Math.max(width, Long.toString(v).length());
        width = Math.max(width, Integer.toString(k - 1).length()) + 1;
        s.append(String.format(Locale.ROOT, "confusion matrix (rows: true class, columns: predicted class)%n"));
        s.append(String.format(Locale.ROOT, "%-4s", ""));
        for (int c = 0; c < k; c++) s.append(String.format(Locale.ROOT, "%" + width + "d", c));
        s.append(System.lineSeparator());
        for (int r = 0; r < k; r++) {
            s.append(String.format(Locale.ROOT, "%-4d", r));
            for (int c = 0; c < k; c++) s.append(String.format(Locale.ROOT, "%" + width + "d", counts[r][c]));
            s.append(System.lineSeparator());
        }
        return s.toString();
    }

    private String shortName(int c) {
        String n = names.get(c);
        return n.length() <= NAME_WIDTH ? n : n.substring(0, NAME_WIDTH - 1) + "~";
    }

    /** A heat map of the row-normalised matrix (each cell: the fraction of the true class), titled {@code title}. */
    void writePng(Path file, String title) throws IOException {
        int k = names.size();
        int side = Math.clamp(200 + 40L * k, 400, 1400);
        HeatMapChart chart = new HeatMapChartBuilder().width(side + 200).height(side).title(title)
                .xAxisTitle("predicted class").yAxisTitle("true class").build();
        chart.getStyler().setShowValue(k <= 20);
        chart.getStyler().setMin(0);
        chart.getStyler().setMax(1);
        List<String> labels = new ArrayList<>();
        for (int c = 0; c < k; c++) labels.add(shortName(c));
        // the heat map's y axis grows upwards: reversed rows put the first class at the top, as in the table
        List<String> rows = new ArrayList<>(labels.reversed());
        List<Number[]> cells = new ArrayList<>();
        for (int r = 0; r < k; r++) {
            long t = total(r);
            for (int c = 0; c < k; c++) {
                double f = t == 0 ? 0 : (double) counts[r][c] / t;
                cells.add(new Number[] {c, k - 1 - r, Math.round(f * 100) / 100.0});
            }
        }
        chart.addSeries("fraction of the true class", labels, rows, cells);
        PngFiles.save(chart, file);
    }
}
