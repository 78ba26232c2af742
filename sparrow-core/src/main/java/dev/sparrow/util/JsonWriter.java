package dev.sparrow.util;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Writes Java values as JSON; see {@link Json} for the accepted types and number rules. */
final class JsonWriter {
    // Deeper values are almost surely a cycle (a map containing itself); fail clearly instead of StackOverflowError.
    private static final int MAX_DEPTH = 256;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final StringBuilder out;
    private final boolean pretty;
    private final List<Object> path = new ArrayList<>(); // String keys and Integer indices, for error messages

    JsonWriter(StringBuilder out, boolean pretty) {
        this.out = out;
        this.pretty = pretty;
    }

    void write(Object value) {
        writeValue(value, 0);
    }

    private void writeValue(Object value, int depth) {
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b.booleanValue());
            case Double d -> writeDouble(d);
            case Float f -> writeFloat(f);
            case Integer i -> out.append(i.intValue());
            case Long l -> out.append(l.longValue());
            case Short s -> out.append(s.shortValue());
            case Byte b -> out.append(b.byteValue());
            case BigInteger b -> out.append(b);
            case BigDecimal b -> out.append(b.toString());
            case Number n -> throw error("unsupported number type " + n.getClass().getName());
            case CharSequence s -> writeString(s, out);
            case Enum<?> e -> writeString(e.name(), out);
            case Map<?, ?> m -> writeMap(m, depth);
            case Iterable<?> it -> writeIterable(it.iterator(), depth);
            case Object[] a -> writeIterable(java.util.Arrays.asList(a).iterator(), depth);
            case float[] a -> { beginArray(depth, a.length); for (int i = 0; i < a.length; i++) { element(i, depth); writeFloat(a[i]); } endArray(depth, a.length); }
            case double[] a -> { beginArray(depth, a.length); for (int i = 0; i < a.length; i++) { element(i, depth); writeDouble(a[i]); } endArray(depth, a.length); }
            case int[] a -> { beginArray(depth, a.length); for (int i = 0; i < a.length; i++) { element(i, depth); out.append(a[i]); } endArray(depth, a.length); }
            case long[] a -> { beginArray(depth, a.length); for (int i = 0; i < a.length; i++) { element(i, depth); out.append(a[i]); } endArray(depth, a.length); }
            case boolean[] a -> { beginArray(depth, a.length); for (int i = 0; i < a.length; i++) { element(i, depth); out.append(a[i]); } endArray(depth, a.length); }
            default -> throw error("cannot write a " + value.getClass().getName() + " as JSON");
        }
    }

    private void writeDouble(double d) {
        if (Double.isFinite(d)) out.append(d); else out.append("null");
    }

    private void writeFloat(float f) {
        if (Float.isFinite(f)) out.append(f); else out.append("null");
    }

    private void writeMap(Map<?, ?> map, int depth) {
        checkDepth(depth);
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw error("object key " + e.getKey() + " is a "
                        + (e.getKey() == null ? "null" : e.getKey().getClass().getName()) + "; expected a String");
            }
            if (!first) out.append(',');
            first = false;
            newline(depth + 1);
            writeString(key, out);
            out.append(pretty ? ": " : ":");
            path.add(key);
            writeValue(e.getValue(), depth + 1);
            path.removeLast();
        }
        if (!first) newline(depth);
        out.append('}');
    }

    private void writeIterable(Iterator<?> it, int depth) {
        checkDepth(depth);
        out.append('[');
        int i = 0;
        while (it.hasNext()) {
            Object v = it.next();
            element(i, depth);
            path.add(i);
            writeValue(v, depth + 1);
            path.removeLast();
            i++;
        }
        if (i > 0) newline(depth);
        out.append(']');
    }

    private void beginArray(int depth, int length) {
        checkDepth(depth);
        out.append('[');
    }

    private void element(int index, int depth) {
        if (index > 0) out.append(',');
        newline(depth + 1);
    }

    private void endArray(int depth, int length) {
        if (length > 0) newline(depth);
        out.append(']');
    }

    private void newline(int depth) {
        if (!pretty) return;
        out.append('\n');
        for (int i = 0; i < depth; i++) out.append("  ");
    }

    private void checkDepth(int depth) {
        if (depth >= MAX_DEPTH) throw error("value nested deeper than " + MAX_DEPTH + " levels (a cycle?)");
    }

    private JsonException error(String what) {
        StringBuilder p = new StringBuilder("$");
        for (Object o : path) {
            if (o instanceof Integer i) p.append('[').append(i).append(']');
            else p.append('.').append(o);
        }
        return new JsonException(what + " at " + p, -1);
    }

    static void writeString(CharSequence s, StringBuilder out) {
        out.append('"');
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        unicodeEscape(c, out);
                    } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        unicodeEscape(c, out); // lone surrogate: UTF-8 cannot carry it, an escape can
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static void unicodeEscape(char c, StringBuilder out) {
        out.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
    }
}
