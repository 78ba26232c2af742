package dev.sparrow.train;

import dev.sparrow.util.Json;
import dev.sparrow.util.JsonException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The lines of a {@code metrics.jsonl} as written: whole rows (ending in a newline) and, when a crash or a full
 * disk cut the last write short, the torn rest, which no reader should take for a row.
 *
 * @param rows  every non-blank line that ends with a newline, in file order
 * @param torn  the text after the last newline, or null when the file ends with one
 */
public record MetricsLines(List<String> rows, String torn) {
    /** Far above any real run (a row is about 300 bytes), so a stray huge file is refused, not read. */
    public static final long MAX_BYTES = 64L << 20;

    public static MetricsLines read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new IOException(file + ": " + size + " bytes; a metrics file has at most " + MAX_BYTES);
        }
        String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        List<String> rows = new ArrayList<>();
        for (String line : text.substring(0, end + 1).split("\n")) {
            if (!line.isBlank()) rows.add(line);
        }
        String rest = text.substring(end + 1);
        return new MetricsLines(List.copyOf(rows), rest.isBlank() ? null : rest);
    }

    /** The rows that parse as an object with an integer {@code epoch} of at most {@code epoch}, in order. */
    public List<String> rowsUpTo(long epoch) {
        List<String> kept = new ArrayList<>();
        for (String row : rows) {
            Long e = epochOf(row);
            if (e != null && e <= epoch) kept.add(row);
        }
        return kept;
    }

    private static Long epochOf(String row) {
        try {
            Map<String, Object> m = Json.parseObject(row, Json.Limits.of(1 << 20));
            return m.get("epoch") instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) ? n.longValue() : null;
        } catch (IllegalArgumentException e) {
            return null; // a row glued onto a torn one, or hand-edited: not a row of this run
        }
    }
}
