package dev.sparrow.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTest {
    private static final Json.Limits LIMITS = Json.Limits.of(1 << 20);

    private static Object parse(String s) {
        return Json.parse(s, LIMITS);
    }

    @Test
    void writesCompactOneLineInInsertionOrder() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", 3);
        m.put("loss", 0.25);
        m.put("name", "a\"b");
        m.put("ok", true);
        m.put("none", null);
        m.put("list", List.of(1L, 2.5f, "x"));
        m.put("empty", Map.of());
        m.put("emptyList", List.of());
        assertThat(Json.write(m)).isEqualTo(
                "{\"epoch\":3,\"loss\":0.25,\"name\":\"a\\\"b\",\"ok\":true,\"none\":null,\"list\":[1,2.5,\"x\"],\"empty\":{},\"emptyList\":[]}");
    }

    @Test
    void writesPrettyWithTwoSpaceIndent() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", 1);
        m.put("b", List.of(true, Map.of("c", "d")));
        m.put("e", List.of());
        assertThat(Json.writePretty(m)).isEqualTo("""
                {
                  "a": 1,
                  "b": [
                    true,
                    {
                      "c": "d"
                    }
                  ],
                  "e": []
                }""");
        assertThat(parse(Json.writePretty(m))).isEqualTo(parse(Json.write(m)));
    }

    @Test
    void escapesStringsAndRoundTripsThem() {
        String s = "quote\" backslash\\ slash/ nl\n cr\r tab\t bs\b ff\f nul\u0000 us\u001f del\u007f é 漢 😀 \u2028";
        String json = Json.quote(s);
        assertThat(json).doesNotContain("\n").doesNotContain("\u0000").contains("\\u0000", "\\u001f", "\\n", "\\\"", "\\\\");
        assertThat(json).contains("😀", "漢", "é"); // non-ASCII is written as itself (the file is UTF-8)
        assertThat(parse(json)).isEqualTo(s);
    }

    @Test
    void loneSurrogatesAreEscapedSoTheySurviveUtf8() {
        String s = "a\uD800b\uDC00";
        assertThat(Json.quote(s)).isEqualTo("\"a\\ud800b\\udc00\"");
        assertThat(parse(Json.quote(s))).isEqualTo(s);
    }

    @Test
    void parsesUnicodeEscapesIncludingSurrogatePairs() {
        assertThat(parse("\"\\u00e9\\u6F22\\ud83d\\ude00\\/\"")).isEqualTo("é漢😀/");
    }

    @Test
    void doublesRoundTripExactly() {
        long seed = 20261125L;
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Double> values = new ArrayList<>(List.of(0.1, -0.0, 1e-300, Double.MIN_VALUE, Double.MAX_VALUE, 1e22, 123456789.0, 1.0 / 3));
        for (int i = 0; i < 1000; i++) values.add(Double.longBitsToDouble(rnd.nextLong()));
        values.removeIf(d -> !Double.isFinite(d));
        String json = Json.write(values);
        @SuppressWarnings("unchecked")
        List<Object> back = (List<Object>) parse(json);
        assertThat(back).as("seed %d", seed).hasSize(values.size());
        for (int i = 0; i < values.size(); i++) {
            assertThat(Double.doubleToRawLongBits((Double) back.get(i)))
                    .as("seed %d value %s", seed, values.get(i))
                    .isEqualTo(Double.doubleToRawLongBits(values.get(i)));
        }
    }

    @Test
    void floatsArePrintedShortAndRoundTripThroughDouble() {
        assertThat(Json.write(0.1f)).isEqualTo("0.1");
        assertThat(Json.write(new float[] {1f, 1e-8f, 3.4028235e38f})).isEqualTo("[1.0,1.0E-8,3.4028235E38]");
        float f = 0.123456789f;
        assertThat((float) (double) (Double) parse(Json.write(f))).isEqualTo(f);
    }

    @Test
    void nonFiniteNumbersAreWrittenAsNull() {
        assertThat(Json.write(Arrays.asList(Double.NaN, Double.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1.0)))
                .isEqualTo("[null,null,null,1.0]");
        assertThat(Json.write(new double[] {Double.NaN})).isEqualTo("[null]");
    }

    @Test
    void integersParseAsLongAndFractionsAsDouble() {
        assertThat(parse("[0, -0, 42, -9223372036854775808, 9223372036854775807, 9223372036854775808, 1.0, 1e2, -2.5E-3]"))
                .isEqualTo(List.of(0L, 0L, 42L, Long.MIN_VALUE, Long.MAX_VALUE, 9.223372036854775808E18, 1.0, 100.0, -0.0025));
    }

    @Test
    void parsesNestedStructuresKeepingKeyOrder() {
        Object v = parse(" {\"z\": [1, {\"y\": null, \"a\": [true, false, []]}], \"b\": {}, \"a\": \"s\"} \n");
        assertThat(v).isInstanceOf(LinkedHashMap.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) v;
        assertThat(m.keySet()).containsExactly("z", "b", "a");
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("y", null);
        inner.put("a", List.of(true, false, List.of()));
        assertThat(m.get("z")).isEqualTo(List.of(1L, inner));
        assertThat(Json.write(v)).isEqualTo("{\"z\":[1,{\"y\":null,\"a\":[true,false,[]]}],\"b\":{},\"a\":\"s\"}");
    }

    @Test
    void writesPrimitiveArraysEnumsAndNulls() {
        enum Kind { DENSE }
        assertThat(Json.write(new Object[] {new int[] {1, 2}, new long[] {3}, new boolean[] {true}, Kind.DENSE, null}))
                .isEqualTo("[[1,2],[3],[true],\"DENSE\",null]");
    }

    @Test
    void writerRejectsUnsupportedValuesNamingThePath() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layers", List.of(Map.of("name", new Object())));
        assertThatThrownBy(() -> Json.write(m)).isInstanceOf(JsonException.class)
                .hasMessageContaining("java.lang.Object").hasMessageContaining("$.layers[0].name");
        Map<Object, Object> badKey = new LinkedHashMap<>();
        badKey.put(1, "x");
        assertThatThrownBy(() -> Json.write(badKey)).hasMessageContaining("expected a String");
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertThatThrownBy(() -> Json.write(cycle)).isInstanceOf(JsonException.class).hasMessageContaining("cycle");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "``                 | expected a value but found the end of input at offset 0",
            "`  `               | expected a value but found the end of input at offset 2",
            "`{`                | expected a string key in the object that starts at offset 0 but found the end of input at offset 1",
            "`{\"a\" 1}`        | expected ':' after the object key but found '1' at offset 5",
            "`{\"a\":1,}`       | expected a string key in the object that starts at offset 0 but found '}' at offset 7",
            "`{a:1}`            | expected a string key in the object that starts at offset 0 but found 'a' at offset 1",
            "`[1 2]`            | expected ',' or ']' in the array that starts at offset 0 but found '2' at offset 3",
            "`[1,]`             | expected a value (object, array, string, number, true, false or null) but found ']' at offset 3",
            "`[`                | expected a value but found the end of input at offset 1",
            "`01`               | expected '.', 'e' or the end of the number (no leading zeros) but found '1' at offset 1",
            "`-`                | expected a digit but found the end of input at offset 1",
            "`1.`               | expected a digit after the decimal point but found the end of input at offset 2",
            "`.5`               | expected a value (object, array, string, number, true, false or null) but found '.' at offset 0",
            "`1e`               | expected a digit in the exponent but found the end of input at offset 2",
            "`+1`               | expected a value (object, array, string, number, true, false or null) but found '+' at offset 0",
            "`1e400`            | number 1e400 at offset 0 (line 1, column 1) is outside the double range",
            "`NaN`              | found 'N' at offset 0",
            "`tru`              | expected 'true' but found the end of input at offset 3",
            "`nul1`             | expected 'null' but found '1' at offset 3",
            "`\"abc`            | unterminated string that starts at offset 0",
            "`\"a\\x\"`         | expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX) but found 'x' at offset 3",
            "`\"\\u12G4\"`      | expected four hex digits after \\u but found 'G' at offset 5",
            "`\"\\u12`          | expected four hex digits after \\u but found the end of input at offset 5",
            "`1 2`              | expected end of input after the top-level value but found '2' at offset 2",
            "`{\"a\":1,\"a\":2}` | duplicate key \"a\" at offset 7",
            "`// c\n1`          | found '/' at offset 0",
            "`[1,\n  x]`        | found 'x' at offset 6 (line 2, column 3)",
            "`'a'`              | found ''' at offset 0",
    })
    void rejectsMalformedInputSayingWhereAndWhat(String input, String message) {
        assertThatThrownBy(() -> parse(input)).isInstanceOf(JsonException.class).hasMessageContaining(message);
    }

    @Test
    void rejectsRawControlCharactersAndBom() {
        assertThatThrownBy(() -> parse("\"a\nb\"")).isInstanceOf(JsonException.class)
                .hasMessageContaining("raw control character U+000A").hasMessageContaining("offset 2");
        assertThatThrownBy(() -> parse("\uFEFF{}")).hasMessageContaining("byte order marks");
    }

    @Test
    void errorsCarryThePosition() {
        try {
            parse("[1, 2, ?]");
        } catch (JsonException e) {
            assertThat(e.position()).isEqualTo(7);
            return;
        }
        throw new AssertionError("no exception");
    }

    @Test
    void enforcesInputLengthLimit() {
        assertThatThrownBy(() -> Json.parse("[1,2,3]", 6)).isInstanceOf(JsonException.class)
                .hasMessageContaining("7 chars; the limit is 6");
        assertThat(Json.parse("[1,2,3]", 7)).isEqualTo(List.of(1L, 2L, 3L));
    }

    @Test
    void enforcesDepthLimitWithoutStackOverflow() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertThatThrownBy(() -> Json.parse(deep, Json.Limits.of(deep.length())))
                .isInstanceOf(JsonException.class).hasMessageContaining("at most 64 nested").hasMessageContaining("offset 64");
        String ok = "[".repeat(64) + "]".repeat(64);
        assertThat(Json.parse(ok, LIMITS)).isInstanceOf(List.class);
        String objects = "{\"a\":".repeat(3) + "1" + "}".repeat(3);
        assertThatThrownBy(() -> Json.parse(objects, LIMITS.withMaxDepth(2))).hasMessageContaining("at most 2 nested");
    }

    @Test
    void enforcesStringLengthLimitOnValuesAndKeys() {
        Json.Limits limits = LIMITS.withMaxStringLength(4);
        assertThat(Json.parse("[\"abcd\", \"\\u0041\\n\"]", limits)).isEqualTo(List.of("abcd", "A\n"));
        assertThatThrownBy(() -> Json.parse("[\"abcde\"]", limits)).isInstanceOf(JsonException.class)
                .hasMessageContaining("string that starts at offset 1").hasMessageContaining("limit of 4");
        assertThatThrownBy(() -> Json.parse("{\"ab\\ncde\": 1}", limits)).hasMessageContaining("limit of 4");
        assertThatThrownBy(() -> Json.parse("\"" + "x".repeat(10_000), limits)).hasMessageContaining("limit of 4");
    }

    @Test
    void parseObjectRejectsOtherTopLevelValues() {
        assertThat(Json.parseObject("{\"k\":\"v\"}", LIMITS)).containsEntry("k", "v");
        assertThatThrownBy(() -> Json.parseObject("[1]", LIMITS)).isInstanceOf(JsonException.class)
                .hasMessageContaining("expected a JSON object").hasMessageContaining("found array");
    }

    @Test
    void limitsRejectNonsense() {
        assertThatThrownBy(() -> new Json.Limits(-1, 64, 10)).hasMessageContaining("maxInputLength");
        assertThatThrownBy(() -> new Json.Limits(10, 0, 10)).hasMessageContaining("maxDepth");
        assertThatThrownBy(() -> new Json.Limits(10, 5000, 10)).hasMessageContaining("maxDepth");
    }
}
