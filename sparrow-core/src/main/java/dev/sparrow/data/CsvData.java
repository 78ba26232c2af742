package dev.sparrow.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * A CSV file with a header as a data set: numeric feature columns and one label column. The label
 * column is the one named {@code labelColumn}, or else (when the default "label" is absent) the last
 * one. Labels may be any text; the class names are the distinct labels sorted (numerically when all are
 * integers). A missing or non-numeric cell is an error naming the file, line and column.
 */
public final class CsvData {
    /** The label column's default name. */
    public static final String DEFAULT_LABEL_COLUMN = "label";

    private CsvData() {}

    /** The header and cells of a CSV file, label column found. */
    private record Table(Path file, String[] header, int labelColumn, List<String[]> rows, List<Integer> lines) {}

    /**
     * Reads {@code file} with the classes found in it.
     *
     * @param file        the CSV file
     * @param labelColumn the label column's name; {@value #DEFAULT_LABEL_COLUMN} falls back to the last column
     * @return features [n, columns - 1] and labels
     * @throws IOException when the file cannot be read
     */
    public static FloatDataset read(Path file, String labelColumn) throws IOException {
        return read(file, labelColumn, null);
    }

    /**
     * Reads {@code file}; with {@code classNames} given (e.g. the training file's), every label must be one of them.
     *
     * @param file        the CSV file
     * @param labelColumn the label column's name
     * @param classNames  the expected classes, or null to take the labels found
     * @return features and labels
     * @throws IOException when the file cannot be read
     */
    public static FloatDataset read(Path file, String labelColumn, List<String> classNames) throws IOException {
        Table t = table(file, labelColumn == null ? DEFAULT_LABEL_COLUMN : labelColumn, true);
        List<String> names = classNames != null ? classNames : classNames(t);
        int features = t.header().length - 1;
        float[] x = new float[t.rows().size() * features];
        int[] y = new int[t.rows().size()];
        for (int r = 0; r < y.length; r++) {
            String[] row = t.rows().get(r);
            int line = t.lines().get(r);
            for (int c = 0, f = 0; c < row.length; c++) {
                if (c == t.labelColumn()) continue;
                x[r * features + f++] = number(t, row[c], line, c);
            }
            String label = row[t.labelColumn()].trim();
            y[r] = names.indexOf(label);
            if (y[r] < 0) {
                throw new IllegalArgumentException(where(t, line, t.labelColumn()) + ": label '" + label
                        + "' is not one of the classes " + names);
            }
        }
        return FloatDataset.of(file.getFileName().toString(), x, y, new int[] {features}, names);
    }

    /**
     * The feature rows of a CSV file without labels, or with its label column ignored, for prediction.
     *
     * @param file        the CSV file
     * @param labelColumn a column to skip when present ({@value #DEFAULT_LABEL_COLUMN} by default)
     * @return one float array per row
     * @throws IOException when the file cannot be read
     */
    public static List<float[]> features(Path file, String labelColumn) throws IOException {
        Table t = table(file, labelColumn == null ? DEFAULT_LABEL_COLUMN : labelColumn, false);
        List<float[]> out = new ArrayList<>();
        for (int r = 0; r < t.rows().size(); r++) {
            String[] row = t.rows().get(r);
            float[] v = new float[row.length - (t.labelColumn() >= 0 ? 1 : 0)];
            for (int c = 0, f = 0; c < row.length; c++) {
                if (c != t.labelColumn()) v[f++] = number(t, row[c], t.lines().get(r), c);
            }
            out.add(v);
        }
        return out;
    }

    private static Table table(Path file, String labelColumn, boolean needLabel) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": " + (Files.isDirectory(file) ? "is a directory" : "no such file"));
        }
        List<String[]> rows = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        String[] header = null;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                String[] cells = line.split(",", -1);
                if (header == null) {
                    header = cells;
                    for (int i = 0; i < header.length; i++) header[i] = header[i].trim();
                    continue;
                }
                if (cells.length != header.length) {
                    throw new IllegalArgumentException(file + ", line " + n + ": " + cells.length + " cells but the header has "
                            + header.length + " columns");
                }
                rows.add(cells);
                lines.add(n);
            }
        }
        if (header == null) throw new IllegalArgumentException(file + ": empty file; expected a header line and rows");
        if (rows.isEmpty()) throw new IllegalArgumentException(file + ": a header but no rows");
        int label = Arrays.asList(header).indexOf(labelColumn);
        if (label < 0 && needLabel) {
            if (!DEFAULT_LABEL_COLUMN.equals(labelColumn)) {
                throw new IllegalArgumentException(file + ": no column named '" + labelColumn + "'; the header is "
                        + Arrays.toString(header));
            }
            label = header.length - 1;
        }
        if (needLabel && header.length < 2) throw new IllegalArgumentException(file + ": needs at least one feature column and a label column");
        return new Table(file, header, label, rows, lines);
    }

    private static List<String> classNames(Table t) {
        TreeSet<String> distinct = new TreeSet<>();
        for (int r = 0; r < t.rows().size(); r++) {
            String v = t.rows().get(r)[t.labelColumn()].trim();
            if (v.isEmpty()) throw new IllegalArgumentException(where(t, t.lines().get(r), t.labelColumn()) + ": missing label");
            distinct.add(v);
        }
        boolean integers = distinct.stream().allMatch(s -> s.matches("-?\\d{1,9}"));
        List<String> names = new ArrayList<>(distinct);
        if (integers) names.sort(Comparator.comparingInt(Integer::parseInt));
        return names;
    }

    private static float number(Table t, String cell, int line, int column) {
        String v = cell.trim();
        if (v.isEmpty()) throw new IllegalArgumentException(where(t, line, column) + ": missing value");
        try {
            float f = Float.parseFloat(v);
            if (!Float.isFinite(f)) throw new NumberFormatException();
            return f;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where(t, line, column) + ": '" + v + "' is not a number");
        }
    }

    private static String where(Table t, int line, int column) {
        return t.file() + ", line " + line + ", column " + (column + 1) + " ('" + t.header()[column] + "')";
    }
}
