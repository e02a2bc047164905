package diffusion4j.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The strict JSON parser on the RFC 8259 grammar's corners, and the quoter against hand-written literals. */
class JsonTest {
    private static String error(String text) {
        return assertThrows(Json.ParseException.class, () -> Json.parse(text)).getMessage();
    }

    @Test void parsesEveryKindOfValue() {
        Object v = Json.parse(" {\"a\": [1, -2.5e3, true, false, null, \"s\"], \"b\": {}, \"c\": []} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("a", "b", "c"), List.copyOf(m.keySet()));
        List<?> a = (List<?>) m.get("a");
        assertEquals(new Json.Num("1"), a.get(0));
        assertEquals(-2500.0, ((Json.Num) a.get(1)).doubleValue());
        assertEquals(Boolean.TRUE, a.get(2));
        assertEquals(Boolean.FALSE, a.get(3));
        assertSame(Json.NULL, a.get(4));
        assertEquals("s", a.get(5));
        assertEquals(Map.of(), m.get("b"));
        assertEquals(List.of(), m.get("c"));
    }

    @Test void integersAreTheLiteralsWithoutFractionOrExponent() {
        assertTrue(new Json.Num("-12").isInteger());
        assertFalse(new Json.Num("1.0").isInteger());
        assertFalse(new Json.Num("1E2").isInteger());
        assertEquals(Long.MAX_VALUE, ((Json.Num) Json.parse("9223372036854775807")).longValueExact());
        assertThrows(ArithmeticException.class, () -> ((Json.Num) Json.parse("9223372036854775808")).longValueExact());
    }

    @Test void decodesEscapesAndSurrogatePairs() {
        assertEquals("q\"b\\s/\b\f\n\r\t\u00e9\uD83D\uDE00", Json.parse("\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\\u00E9\\ud83d\\ude00\""));
        assertEquals("\uD83D\uDE00", Json.parse("\"\uD83D\uDE00\"")); // a raw pair, as UTF-8 decoding yields it
    }

    @Test void rejectsMalformedText() {
        assertTrue(error("").contains("unexpected end of text"));
        assertTrue(error("01").contains("leading zero"));
        assertTrue(error("-").contains("expected a digit"));
        assertTrue(error("1.").contains("expected a digit after '.'"));
        assertTrue(error("1e").contains("exponent"));
        assertTrue(error("+1").contains("unexpected '+'"));
        assertTrue(error("tru").contains("unexpected 't'"));
        assertTrue(error("[1 2]").contains("expected ',' or ']'"));
        assertTrue(error("{\"a\" 1}").contains("expected ':'"));
        assertTrue(error("{a:1}").contains("expected a string key"));
        assertTrue(error("\"abc").contains("unterminated string"));
        assertTrue(error("\"a\nb\"").contains("raw control character U+000A"));
        assertTrue(error("\"\\x\"").contains("invalid escape '\\x'"));
        assertTrue(error("\"\\u12g4\"").contains("bad hex digit 'g'"));
        assertTrue(error("\"\\ud83d\"").contains("unpaired high surrogate"));
        assertTrue(error("\"\\ude00\"").contains("unpaired low surrogate"));
        assertTrue(error("\"\uDE00\"").contains("unpaired surrogate"));
        assertTrue(error("[] []").contains("after the value"));
    }

    @Test void rejectsDuplicateKeysNamingTheKeyAndItsOffset() {
        assertEquals("invalid JSON at offset 8: duplicate key \"k\"", error("{\"k\":1, \"k\":2}"));
    }

    @Test void nestingIsLimited() {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertEquals(List.of(), unwrap(Json.parse(ok), Json.MAX_DEPTH - 1));
        String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        assertTrue(error(deep).contains("nesting deeper than " + Json.MAX_DEPTH));
        // Far deeper than any stack: still a clean error, not a StackOverflowError.
        assertTrue(error("{\"a\":".repeat(100_000)).contains("nesting deeper"));
    }

    private static Object unwrap(Object v, int levels) {
        for (int i = 0; i < levels; i++) v = ((List<?>) v).get(0);
        return v;
    }

    @Test void quoteEscapesLikeSerdeJson() {
        assertEquals("\"a\\\"b\\\\c\\n\\t\\u0001/é\"", Json.quote("a\"b\\c\n\t\u0001/é"));
        assertEquals("x\u0001y", Json.parse(Json.quote("x\u0001y")));
    }
}
