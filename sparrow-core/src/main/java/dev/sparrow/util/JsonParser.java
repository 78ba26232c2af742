package dev.sparrow.util;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A strict recursive-descent RFC 8259 parser with hard limits; see {@link Json}. */
final class JsonParser {
    private final CharSequence text;
    private final int length;
    private final Json.Limits limits;
    private int pos;

    JsonParser(CharSequence text, Json.Limits limits) {
        this.text = text;
        this.length = text.length();
        this.limits = limits;
    }

    Object parseDocument() {
        if (length > limits.maxInputLength()) {
            throw new JsonException("JSON text has " + length + " chars; the limit is " + limits.maxInputLength(), 0);
        }
        if (length > 0 && text.charAt(0) == '\uFEFF') throw error("a JSON value (byte order marks are not allowed)");
        skipWhitespace();
        Object value = parseValue(1);
        skipWhitespace();
        if (pos < length) throw error("end of input after the top-level value");
        return value;
    }

    private Object parseValue(int depth) {
        if (pos >= length) throw error("a value");
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> parseObject(depth);
            case '[' -> parseArray(depth);
            case '"' -> parseString();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield parseNumber();
                throw error("a value (object, array, string, number, true, false or null)");
            }
        };
    }

    private Map<String, Object> parseObject(int depth) {
        checkDepth(depth);
        int start = pos;
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            if (peek() != '"') throw error("a string key in the object that starts at offset " + start);
            int keyPos = pos;
            String key = parseString();
            skipWhitespace();
            expect(':', "':' after the object key");
            skipWhitespace();
            Object value = parseValue(depth + 1);
            if (map.containsKey(key)) {
                throw new JsonException("duplicate key " + Json.quote(key) + " " + where(keyPos), keyPos);
            }
            map.put(key, value);
            skipWhitespace();
            char c = peek();
            if (c == ',') {
                pos++;
                skipWhitespace();
            } else if (c == '}') {
                pos++;
                return map;
            } else {
                throw error("',' or '}' in the object that starts at offset " + start);
            }
        }
    }

    private List<Object> parseArray(int depth) {
        checkDepth(depth);
        int start = pos;
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            list.add(parseValue(depth + 1));
            skipWhitespace();
            char c = peek();
            if (c == ',') {
                pos++;
                skipWhitespace();
            } else if (c == ']') {
                pos++;
                return list;
            } else {
                throw error("',' or ']' in the array that starts at offset " + start);
            }
        }
    }

    private String parseString() {
        int start = pos;
        pos++; // opening quote
        StringBuilder sb = null; // only allocated when the string has escapes
        int runStart = pos;
        while (true) {
            if (pos >= length) throw new JsonException("unterminated string that starts " + where(start), start);
            char c = text.charAt(pos);
            if (c == '"') {
                String s = sb == null ? text.subSequence(runStart, pos).toString()
                        : sb.append(text, runStart, pos).toString();
                pos++;
                checkStringLength(s.length(), start);
                return s;
            }
            if (c < 0x20) throw error("an escape instead of the raw control character U+" + hex4(c) + " in a string");
            if (c == '\\') {
                if (sb == null) sb = new StringBuilder();
                sb.append(text, runStart, pos);
                pos++;
                if (pos >= length) throw new JsonException("unterminated string that starts " + where(start), start);
                char e = text.charAt(pos);
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        sb.append(parseHex4());
                        pos--; // parseHex4 left pos after the digits; the loop below advances once
                    }
                    default -> {
                        throw error("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)");
                    }
                }
                pos++;
                runStart = pos;
                checkStringLength(sb.length(), start);
            } else {
                pos++;
                if (pos - runStart > limits.maxStringLength()) checkStringLength((sb == null ? 0 : sb.length()) + pos - runStart, start);
            }
        }
    }

    private char parseHex4() {
        // pos is at 'u'
        int v = 0;
        for (int i = 1; i <= 4; i++) {
            int p = pos + i;
            int d = p < length ? Character.digit(text.charAt(p), 16) : -1;
            if (d < 0 || text.charAt(p) > 'f') {
                pos = Math.min(p, length);
                throw error("four hex digits after \\u");
            }
            v = (v << 4) | d;
        }
        pos += 5;
        return (char) v;
    }

    private void checkStringLength(int len, int start) {
        if (len > limits.maxStringLength()) {
            throw new JsonException("string that starts " + where(start) + " is longer than the limit of "
                    + limits.maxStringLength() + " chars", start);
        }
    }

    private Object parseNumber() {
        int start = pos;
        boolean integral = true;
        if (peek() == '-') pos++;
        char c = peek();
        if (c == '0') {
            pos++;
            if (isDigit(peek())) throw error("'.', 'e' or the end of the number (no leading zeros)");
        } else if (isDigit(c)) {
            while (isDigit(peek())) pos++;
        } else {
            throw error("a digit");
        }
        if (peek() == '.') {
            integral = false;
            pos++;
            if (!isDigit(peek())) throw error("a digit after the decimal point");
            while (isDigit(peek())) pos++;
        }
        c = peek();
        if (c == 'e' || c == 'E') {
            integral = false;
            pos++;
            c = peek();
            if (c == '+' || c == '-') pos++;
            if (!isDigit(peek())) throw error("a digit in the exponent");
            while (isDigit(peek())) pos++;
        }
        String literal = text.subSequence(start, pos).toString();
        if (integral && pos - start <= 20) {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException outOfLongRange) {
                // falls through to double
            }
        }
        double d = Double.parseDouble(literal);
        if (Double.isInfinite(d)) {
            throw new JsonException("number " + abbreviate(literal) + " " + where(start) + " is outside the double range", start);
        }
        return d;
    }

    private Object literal(String word, Object value) {
        int n = word.length();
        for (int i = 0; i < n; i++) {
            if (pos + i >= length || text.charAt(pos + i) != word.charAt(i)) {
                pos += i;
                throw error("'" + word + "'");
            }
        }
        pos += n;
        return value;
    }

    private void expect(char c, String what) {
        if (peek() != c) throw error(what);
        pos++;
    }

    /** The char at pos, or 0 at the end (0 is never valid where peek is used). */
    private char peek() {
        return pos < length ? text.charAt(pos) : 0;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private void skipWhitespace() {
        while (pos < length) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
            pos++;
        }
    }

    private void checkDepth(int depth) {
        if (depth > limits.maxDepth()) throw error("at most " + limits.maxDepth() + " nested arrays/objects");
    }

    private JsonException error(String expected) {
        String found;
        if (pos >= length) {
            found = "the end of input";
        } else {
            char c = text.charAt(pos);
            found = c >= 0x20 && c < 0x7f ? "'" + c + "'" : "U+" + hex4(c);
        }
        return new JsonException("expected " + expected + " but found " + found + " " + where(pos), pos);
    }

    private String where(int offset) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < offset && i < length; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return "at offset " + offset + " (line " + line + ", column " + column + ")";
    }

    private static String hex4(char c) {
        return String.format("%04X", (int) c);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
