package dev.sparrow.cli;

import java.util.List;
import java.util.Locale;

/** Formats the results of {@code sparrow compare}: an aligned text table, or one JSON object per method. */
final class CompareTable {
    private static final String[] HEADERS = {"method", "sparsity", "test acc", "train s"};

    /**
     * One method's outcome.
     *
     * @param sparsity      sparsity reached (from the checkpoint's masks), in [0, 1]
     * @param testAccuracy  final test accuracy, in [0, 1]
     * @param trainSeconds  training time summed over epochs (evaluation not included)
     */
    record Row(String method, double sparsity, double testAccuracy, double trainSeconds) {
        Row {
            if (method == null || method.isBlank()) throw new IllegalArgumentException("method is '" + method + "'");
        }
    }

    private CompareTable() {}

    /** Header, a rule, and one line per row in the given order; the method column is left-aligned, numbers right-aligned. */
    static String table(List<Row> rows) {
        String[][] cells = new String[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            cells[i] = new String[] {r.method(), percent(r.sparsity()), percent(r.testAccuracy()),
                    String.format(Locale.ROOT, "%.1f", r.trainSeconds())};
        }
        int[] width = new int[HEADERS.length];
        for (int c = 0; c < HEADERS.length; c++) {
            width[c] = HEADERS[c].length();
            for (String[] row : cells) width[c] = Math.max(width[c], row[c].length());
        }
        StringBuilder sb = new StringBuilder();
        appendLine(sb, HEADERS, width);
        int total = 0;
        for (int w : width) total += w;
        sb.append("-".repeat(total + 2 * (width.length - 1))).append('\n');
        for (String[] row : cells) appendLine(sb, row, width);
        return sb.toString();
    }

    /** One JSON object per row, one per line (JSON Lines). */
    static String json(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT,
                    "{\"method\":\"%s\",\"sparsity\":%.6f,\"test_accuracy\":%.6f,\"train_seconds\":%.3f}%n",
                    escape(r.method()), r.sparsity(), r.testAccuracy(), r.trainSeconds()));
        }
        return sb.toString();
    }

    private static void appendLine(StringBuilder sb, String[] cells, int[] width) {
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) sb.append("  ");
            String pad = " ".repeat(width[c] - cells[c].length());
            if (c == 0) sb.append(cells[c]).append(pad); else sb.append(pad).append(cells[c]);
        }
        // no trailing blanks after a short left-aligned last cell
        int end = sb.length();
        while (end > 0 && sb.charAt(end - 1) == ' ') end--;
        sb.setLength(end);
        sb.append('\n');
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
