package diffusion4j.tensor.io;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The validated header of a safetensors file: its metadata, and for each tensor, in header order,
 * its dtype, shape and byte range in the data buffer.
 *
 * <p>Validation follows the reference implementation (huggingface/safetensors {@code validate}):
 * every field present and well typed, {@code end - begin == numel * dtype size}, and the tensors,
 * sorted by offset, tile the whole data buffer with no overlap, no hole and no trailing byte.
 * Beyond it, unknown fields and duplicate keys are errors here, because a file that has them was
 * not written by a conforming writer and guessing which value wins is how loaders disagree.
 *
 * @param metadata   the {@code __metadata__} strings (empty when absent)
 * @param tensors    the tensor entries in header order
 * @param dataStart  file offset of the data buffer ({@code 8 + header length})
 * @param dataLength size of the data buffer in bytes
 */
public record SafetensorsHeader(Map<String, String> metadata, List<Entry> tensors, long dataStart, long dataLength) {

    /** One tensor: {@code shape} sizes and the byte range {@code [begin, end)} relative to the buffer. */
    public record Entry(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {
        public long numel() {
            long n = 1;
            for (long s : shape) n *= s; // checked for overflow when the header was parsed
            return n;
        }

        @Override public String toString() {
            return name + " " + dtype + " " + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
        }
    }

    private static final Set<String> FIELDS = Set.of("dtype", "shape", "data_offsets");

    /**
     * Parses and validates a header.
     *
     * @param json       the header bytes (UTF-8 JSON, possibly padded with trailing spaces)
     * @param dataStart  file offset of the data buffer
     * @param dataLength size of the data buffer that follows the header
     * @param file       named in errors
     */
    public static SafetensorsHeader parse(byte[] json, long dataStart, long dataLength, Path file) throws SafetensorsFormatException {
        Object root;
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(json)).toString();
            root = Json.parse(text);
        } catch (CharacterCodingException e) {
            throw new SafetensorsFormatException(file, "header is not valid UTF-8", e);
        } catch (Json.ParseException e) {
            throw new SafetensorsFormatException(file, "header: " + e.getMessage(), e);
        }
        if (!(root instanceof Map<?, ?> top)) throw new SafetensorsFormatException(file, "header is not a JSON object");

        Map<String, String> metadata = Map.of();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : top.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals("__metadata__")) metadata = metadata(e.getValue(), file);
            else entries.add(entry(name, e.getValue(), dataLength, file));
        }
        checkTiling(entries, dataLength, file);
        return new SafetensorsHeader(metadata, Collections.unmodifiableList(entries), dataStart, dataLength);
    }

    private static Map<String, String> metadata(Object value, Path file) throws SafetensorsFormatException {
        if (!(value instanceof Map<?, ?> m)) {
            throw new SafetensorsFormatException(file, "__metadata__ must be an object of strings, got " + describe(value));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new SafetensorsFormatException(file, "__metadata__ key " + Json.quote((String) e.getKey())
                        + " has a non-string value " + describe(e.getValue()));
            }
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static Entry entry(String name, Object value, long dataLength, Path file) throws SafetensorsFormatException {
        String where = "tensor " + Json.quote(name);
        if (!(value instanceof Map<?, ?> m)) throw new SafetensorsFormatException(file, where + ": expected an object, got " + describe(value));
        for (String f : List.of("dtype", "shape", "data_offsets")) {
            if (!m.containsKey(f)) throw new SafetensorsFormatException(file, where + ": missing field '" + f + "'");
        }
        for (Object k : m.keySet()) {
            if (!FIELDS.contains(k)) throw new SafetensorsFormatException(file, where + ": unexpected field " + Json.quote((String) k));
        }
        if (!(m.get("dtype") instanceof String dtypeName)) {
            throw new SafetensorsFormatException(file, where + ": dtype must be a string, got " + describe(m.get("dtype")));
        }
        SafetensorsDType dtype = SafetensorsDType.byName(dtypeName);
        if (dtype == null) throw new SafetensorsFormatException(file, where + ": unknown dtype " + Json.quote(dtypeName));

        long[] shape = longs(m.get("shape"), -1, where + ": shape", file);
        long numel = 1, bytes;
        try {
            for (long s : shape) numel = Math.multiplyExact(numel, s);
            bytes = Math.multiplyExact(numel, dtype.bytes());
        } catch (ArithmeticException e) {
            throw new SafetensorsFormatException(file, where + ": shape " + Arrays.toString(shape) + " overflows 64 bits");
        }
        long[] offsets = longs(m.get("data_offsets"), 2, where + ": data_offsets", file);
        long begin = offsets[0], end = offsets[1];
        if (end < begin) throw new SafetensorsFormatException(file, where + ": data_offsets [" + begin + ", " + end + "] end before begin");
        if (end - begin != bytes) {
            throw new SafetensorsFormatException(file, where + ": data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
                    + " bytes but shape " + Arrays.toString(shape) + " of " + dtype + " needs " + bytes);
        }
        if (end > dataLength) {
            throw new SafetensorsFormatException(file, where + ": data_offsets [" + begin + ", " + end
                    + "] run past the end of the " + dataLength + "-byte data buffer");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** A JSON array of non-negative integer literals, of length {@code n} (any when negative). */
    private static long[] longs(Object value, int n, String what, Path file) throws SafetensorsFormatException {
        if (!(value instanceof List<?> list)) throw new SafetensorsFormatException(file, what + " must be an array, got " + describe(value));
        if (n >= 0 && list.size() != n) throw new SafetensorsFormatException(file, what + " must have " + n + " entries, got " + list.size());
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            Object v = list.get(i);
            if (!(v instanceof Json.Num num) || !num.isInteger()) {
                throw new SafetensorsFormatException(file, what + " entry " + i + " is not an integer: " + describe(v));
            }
            try {
                out[i] = num.longValueExact();
            } catch (ArithmeticException e) {
                throw new SafetensorsFormatException(file, what + " entry " + i + " (" + num + ") does not fit in 64 bits");
            }
            if (out[i] < 0) throw new SafetensorsFormatException(file, what + " entry " + i + " is negative: " + num);
        }
        return out;
    }

    /** The reference rule: sorted by offset, each tensor starts where the previous ended, the last ends at the buffer's end. */
    private static void checkTiling(List<Entry> entries, long dataLength, Path file) throws SafetensorsFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin() < at) {
                throw new SafetensorsFormatException(file, "tensor " + Json.quote(e.name()) + " [" + e.begin() + ", " + e.end()
                        + ") overlaps tensor " + Json.quote(previous.name()) + " [" + previous.begin() + ", " + previous.end() + ")");
            }
            if (e.begin() > at) {
                throw new SafetensorsFormatException(file, "bytes [" + at + ", " + e.begin() + ") before tensor " + Json.quote(e.name())
                        + " belong to no tensor (the data buffer must be fully covered)");
            }
            at = e.end();
            previous = e;
        }
        if (at != dataLength) {
            throw new SafetensorsFormatException(file, "the data buffer has " + dataLength + " bytes but the tensors cover " + at
                    + " (trailing bytes are not allowed)");
        }
    }

    private static String describe(Object v) {
        if (v instanceof String s) return "the string " + Json.quote(s);
        if (v instanceof Map<?, ?>) return "an object";
        if (v instanceof List<?>) return "an array";
        return String.valueOf(v);
    }
}
