package dev.sparrow.util;

import java.util.Map;

/**
 * A small, dependency-free JSON (RFC 8259) writer and parser for run files (metrics.jsonl,
 * summary.json) and safetensors headers.
 *
 * <h2>Writing</h2>
 * Accepted values: {@code null}, {@link Boolean}, {@link Number} (Integer, Long, Short, Byte,
 * Float, Double, BigInteger, BigDecimal), {@link CharSequence}, {@link Enum} (its name),
 * {@link Map} with String keys (written in the map's iteration order), {@link Iterable}, Object
 * arrays and {@code float[] double[] int[] long[] boolean[]}. Anything else is a {@link JsonException}
 * naming its path (e.g. {@code $.layers[2].name}).
 * <ul>
 * <li>Doubles are printed with {@link Double#toString}, which (JDK 19+) is the shortest decimal that
 *     parses back to the same double; floats with {@link Float#toString}, so {@code 0.1f} reads
 *     {@code 0.1} rather than {@code 0.10000000149011612}.</li>
 * <li><b>NaN and infinities are written as {@code null}</b> (as JavaScript's JSON.stringify does):
 *     a diverged loss must not make the metrics file unwritable. Readers see null where the value
 *     was not finite.</li>
 * <li>Strings escape {@code "} {@code \} and control characters; lone UTF-16 surrogates are
 *     written as {@code \}{@code uXXXX} so they survive the trip through UTF-8.</li>
 * </ul>
 *
 * <h2>Parsing</h2>
 * Objects become {@link java.util.LinkedHashMap} (key order kept; duplicate keys are an error),
 * arrays {@link java.util.ArrayList}, strings {@link String}, numbers {@link Long} when written
 * without fraction or exponent and within long range, otherwise {@link Double} (a number outside
 * double range is an error), plus {@link Boolean} and {@code null}. The parser is strict: no
 * comments, no trailing commas, no leading BOM, no single quotes, nothing after the value but
 * whitespace. Hard {@link Limits} bound input length, nesting depth and string length, so hostile
 * input costs bounded time and memory and never overflows the stack.
 */
public final class Json {
    private Json() {}

    /** Default maximum nesting depth of arrays and objects. */
    public static final int DEFAULT_MAX_DEPTH = 64;

    /**
     * Bounds for {@link #parse(CharSequence, Limits)}.
     *
     * @param maxInputLength  longest accepted text, in chars
     * @param maxDepth        deepest nesting of arrays/objects (the top-level value is depth 1)
     * @param maxStringLength longest string (object keys included), in chars after unescaping
     */
    public record Limits(int maxInputLength, int maxDepth, int maxStringLength) {
        public Limits {
            if (maxInputLength < 0) throw new IllegalArgumentException("maxInputLength must be >= 0, got " + maxInputLength);
            // The parser recurses once or twice per level; beyond this the thread stack is at risk.
            if (maxDepth < 1 || maxDepth > 1000) throw new IllegalArgumentException("maxDepth must be in 1..1000, got " + maxDepth);
            if (maxStringLength < 0) throw new IllegalArgumentException("maxStringLength must be >= 0, got " + maxStringLength);
        }

        /** Input up to {@code maxInputLength} chars, depth {@value #DEFAULT_MAX_DEPTH}, strings as long as the input. */
        public static Limits of(int maxInputLength) {
            return new Limits(maxInputLength, DEFAULT_MAX_DEPTH, maxInputLength);
        }

        public Limits withMaxDepth(int depth) { return new Limits(maxInputLength, depth, maxStringLength); }

        public Limits withMaxStringLength(int length) { return new Limits(maxInputLength, maxDepth, length); }
    }

    /** The value as compact one-line JSON (no newline), e.g. for one line of a .jsonl file. */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        new JsonWriter(out, false).write(value);
        return out.toString();
    }

    /** The value as indented JSON (two spaces, one member per line), without a trailing newline. */
    public static String writePretty(Object value) {
        StringBuilder out = new StringBuilder();
        new JsonWriter(out, true).write(value);
        return out.toString();
    }

    /** Appends the compact form of {@code value} to {@code out}. */
    public static void write(Object value, StringBuilder out) {
        new JsonWriter(out, false).write(value);
    }

    /** {@code s} as a JSON string literal, quotes included. */
    public static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2);
        JsonWriter.writeString(s, out);
        return out.toString();
    }

    /**
     * Parses one JSON value.
     *
     * @throws JsonException if the text is not valid JSON or exceeds a limit; the message names the
     *                       position (offset, line, column) and what was expected
     */
    public static Object parse(CharSequence text, Limits limits) {
        if (text == null) throw new IllegalArgumentException("text is null");
        if (limits == null) throw new IllegalArgumentException("limits is null");
        return new JsonParser(text, limits).parseDocument();
    }

    /** Parses with {@link Limits#of(int) Limits.of(maxInputLength)}. */
    public static Object parse(CharSequence text, int maxInputLength) {
        return parse(text, Limits.of(maxInputLength));
    }

    /** Parses a text whose top-level value must be an object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(CharSequence text, Limits limits) {
        Object value = parse(text, limits);
        if (!(value instanceof Map)) {
            throw new JsonException("expected a JSON object at offset 0 but found " + typeName(value), 0);
        }
        return (Map<String, Object>) value;
    }

    /** The JSON type of a parsed value: "object", "array", "string", "number", "boolean" or "null". */
    public static String typeName(Object value) {
        if (value == null) return "null";
        if (value instanceof Map) return "object";
        if (value instanceof java.util.List) return "array";
        if (value instanceof String) return "string";
        if (value instanceof Number) return "number";
        if (value instanceof Boolean) return "boolean";
        return value.getClass().getSimpleName();
    }
}
