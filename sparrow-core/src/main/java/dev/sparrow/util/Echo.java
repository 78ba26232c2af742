package dev.sparrow.util;

/** A value echoed in an error message, capped: one message once carried a 3.9 MB value. */
public final class Echo {
    public static final int MAX_CHARS = 80;

    private Echo() {}

    /** {@code value} quoted as JSON, cut to {@value #MAX_CHARS} characters with its full length said. */
    public static String quote(String value) {
        if (value == null) return "null";
        if (value.length() <= MAX_CHARS) return Json.quote(value);
        return Json.quote(value.substring(0, MAX_CHARS)) + "... (" + value.length() + " chars)";
    }

    /** Any value's {@code toString}, capped as {@link #quote} does, unquoted. */
    public static String of(Object value) {
        String s = String.valueOf(value);
        return s.length() <= MAX_CHARS ? s : s.substring(0, MAX_CHARS) + "... (" + s.length() + " chars)";
    }
}
