package diffusion4j.tensor.io;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON (RFC 8259) parser and string quoter, written here because the project has no
 * dependencies and file headers (safetensors) are untrusted input.
 *
 * <p>Values map to: object {@code Map<String, Object>} (a {@link LinkedHashMap}, in file order),
 * array {@code List<Object>}, string {@code String}, number {@link Num} (the literal text, so callers
 * can insist on integers), {@code true}/{@code false} {@code Boolean}, {@code null} {@link #NULL}.
 * Strict means: duplicate object keys, lone surrogates, raw control characters in strings, leading
 * zeros, and anything after the top-level value but whitespace are errors, and nesting is limited
 * to {@link #MAX_DEPTH} so a hostile file cannot overflow the stack.
 */
public final class Json {
    private Json() {}

    /** Deepest nesting of arrays and objects accepted. */
    public static final int MAX_DEPTH = 64;

    /** The JSON {@code null} (a Java null could not be told apart from a missing map key). */
    public static final Object NULL = new Object() {
        @Override public String toString() { return "null"; }
    };

    /** A JSON number, kept as its literal text. */
    public record Num(String text) {
        /** True when the literal has no fraction and no exponent: "12", "-3", not "1.0" or "1e2". */
        public boolean isInteger() {
            return text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
        }

        /** The value as a long; throws {@link ArithmeticException} when not an integer literal or out of range. */
        public long longValueExact() {
            if (!isInteger()) throw new ArithmeticException(text + " is not an integer");
            return new BigDecimal(text).longValueExact();
        }

        public double doubleValue() {
            return Double.parseDouble(text);
        }

        @Override public String toString() { return text; }
    }

    /** Thrown for malformed text; the message gives the character offset. */
    public static final class ParseException extends IllegalArgumentException {
        public ParseException(String message) {
            super(message);
        }
    }

    /** Parses one JSON value that must span all of {@code text} (surrounding whitespace allowed). */
    public static Object parse(String text) {
        Parser p = new Parser(text);
        p.skipWhitespace();
        Object v = p.value(0);
        p.skipWhitespace();
        if (p.pos < text.length()) throw p.error("unexpected '" + text.charAt(p.pos) + "' after the value");
        return v;
    }

    /** {@code s} as a JSON string literal, escaped the way serde_json writes it (only '"', '\' and controls). */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        ParseException error(String what) {
            return new ParseException("invalid JSON at offset " + pos + ": " + what);
        }

        void skipWhitespace() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
                pos++;
            }
        }

        Object value(int depth) {
            if (pos >= s.length()) throw error("unexpected end of text");
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> object(depth + 1);
                case '[' -> array(depth + 1);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", NULL);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) yield number();
                    throw error("unexpected '" + c + "'");
                }
            };
        }

        private void checkDepth(int depth) {
            if (depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
        }

        private Map<String, Object> object(int depth) {
            checkDepth(depth);
            pos++; // '{'
            Map<String, Object> m = new LinkedHashMap<>();
            skipWhitespace();
            if (peek() == '}') {
                pos++;
                return m;
            }
            while (true) {
                skipWhitespace();
                if (peek() != '"') throw error("expected a string key");
                int keyAt = pos;
                String key = string();
                skipWhitespace();
                expect(':');
                skipWhitespace();
                Object v = value(depth);
                if (m.putIfAbsent(key, v) != null) {
                    pos = keyAt;
                    throw error("duplicate key " + quote(key));
                }
                skipWhitespace();
                char c = next();
                if (c == '}') return m;
                if (c != ',') { pos--; throw error("expected ',' or '}' in object"); }
            }
        }

        private List<Object> array(int depth) {
            checkDepth(depth);
            pos++; // '['
            List<Object> list = new ArrayList<>();
            skipWhitespace();
            if (peek() == ']') {
                pos++;
                return Collections.unmodifiableList(list);
            }
            while (true) {
                skipWhitespace();
                list.add(value(depth));
                skipWhitespace();
                char c = next();
                if (c == ']') return Collections.unmodifiableList(list);
                if (c != ',') { pos--; throw error("expected ',' or ']' in array"); }
            }
        }

        private String string() {
            pos++; // opening quote
            StringBuilder b = new StringBuilder();
            while (true) {
                if (pos >= s.length()) throw error("unterminated string");
                char c = s.charAt(pos++);
                if (c == '"') return b.toString();
                if (c < 0x20) { pos--; throw error("raw control character U+" + String.format("%04X", (int) c) + " in string"); }
                if (Character.isSurrogate(c)) { // a raw character outside the BMP arrives as a pair
                    if (!Character.isHighSurrogate(c) || pos >= s.length() || !Character.isLowSurrogate(s.charAt(pos))) {
                        pos--;
                        throw error("unpaired surrogate in string");
                    }
                    b.append(c).append(s.charAt(pos++));
                    continue;
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> unicodeEscape(b);
                    default -> { pos--; throw error("invalid escape '\\" + e + "'"); }
                }
            }
        }

        /** {@code \\uXXXX}, combining a high surrogate with the low one that must follow it. */
        private void unicodeEscape(StringBuilder b) {
            char c = hex4();
            if (Character.isLowSurrogate(c)) throw error("unpaired low surrogate \\u" + Integer.toHexString(c));
            if (Character.isHighSurrogate(c)) {
                if (!s.startsWith("\\u", pos)) throw error("unpaired high surrogate \\u" + Integer.toHexString(c));
                pos += 2;
                char low = hex4();
                if (!Character.isLowSurrogate(low)) throw error("high surrogate not followed by a low one");
                b.append(c).append(low);
            } else {
                b.append(c);
            }
        }

        private char hex4() {
            if (pos + 4 > s.length()) throw error("truncated \\u escape");
            int v = 0;
            for (int i = 0; i < 4; i++) {
                int d = Character.digit(s.charAt(pos), 16);
                if (d < 0) throw error("bad hex digit '" + s.charAt(pos) + "' in \\u escape");
                v = v * 16 + d;
                pos++;
            }
            return (char) v;
        }

        /** RFC 8259 grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
        private Num number() {
            int start = pos;
            if (peek() == '-') pos++;
            if (peek() == '0') {
                pos++;
                if (isDigit(peek())) throw error("leading zero in number");
            } else if (!digits()) {
                throw error("expected a digit");
            }
            if (peek() == '.') {
                pos++;
                if (!digits()) throw error("expected a digit after '.'");
            }
            if (peek() == 'e' || peek() == 'E') {
                pos++;
                if (peek() == '+' || peek() == '-') pos++;
                if (!digits()) throw error("expected a digit in the exponent");
            }
            return new Num(s.substring(start, pos));
        }

        private boolean digits() {
            int start = pos;
            while (isDigit(peek())) pos++;
            return pos > start;
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private Object literal(String word, Object value) {
            if (!s.startsWith(word, pos)) throw error("unexpected '" + s.charAt(pos) + "'");
            pos += word.length();
            return value;
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        private char next() {
            if (pos >= s.length()) throw error("unexpected end of text");
            return s.charAt(pos++);
        }

        private void expect(char c) {
            if (next() != c) { pos--; throw error("expected '" + c + "'"); }
        }
    }
}
