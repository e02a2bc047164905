package diffusion4j.tensor.io;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Backends;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * Reads and writes the safetensors format (huggingface/safetensors): an 8-byte little-endian
 * unsigned header length N, N bytes of UTF-8 JSON
 * {@code {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}}},
 * then the data buffer, tensors row-major little-endian at offsets relative to its start.
 *
 * <p>Files are untrusted: {@link SafetensorsHeader#parse} validates every field before a byte of
 * data is touched. Reading maps the data buffer and copies each tensor straight into its float
 * array, so a file is held in memory once (as the tensors), not twice. F16 and BF16 are widened to
 * FLOAT32 on the way in; writing always writes F32, atomically.
 */
public final class Safetensors {
    private Safetensors() {}

    /** Largest header accepted, as in the reference implementation (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Elements converted per step for F16/BF16, so widening needs no second full-size array. */
    private static final int CHUNK = 1 << 14;

    // ---- reading --------------------------------------------------------------------------------

    /** All tensors of {@code file} on the default device, in header order. */
    public static Map<String, Tensor> read(Path file) throws IOException {
        return read(file, Device.defaultDevice());
    }

    /** All tensors of {@code file} on {@code device}, in header order. */
    public static Map<String, Tensor> read(Path file, Device device) throws IOException {
        return read(file, device, name -> true);
    }

    /**
     * The tensors of {@code file} whose names {@code wanted} accepts, on {@code device}, in header
     * order. The whole header is validated either way; only the wanted tensors' bytes are read.
     */
    public static Map<String, Tensor> read(Path file, Device device, Predicate<String> wanted) throws IOException {
        Backend backend = Backends.get(device);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            SafetensorsHeader h = header(ch, file);
            MemorySegment data = h.dataLength() == 0 ? MemorySegment.NULL
                    : ch.map(FileChannel.MapMode.READ_ONLY, h.dataStart(), h.dataLength(), arena);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (SafetensorsHeader.Entry e : h.tensors()) {
                if (!wanted.test(e.name())) continue;
                int[] shape = intShape(e, file);
                out.put(e.name(), Tensor.wrap(backend.upload(decode(data, e)), shape, backend));
            }
            return out;
        }
    }

    /** The {@code __metadata__} strings of {@code file} (empty when it has none), header validated. */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        return readHeader(file).metadata();
    }

    /** The validated header of {@code file}: metadata and every tensor's dtype, shape and byte range. */
    public static SafetensorsHeader readHeader(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return header(ch, file);
        }
    }

    private static SafetensorsHeader header(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        if (size < 8) throw new SafetensorsFormatException(file, "file is " + size + " bytes, too short for the 8-byte header length");
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, len, 0, file);
        long n = len.getLong(0);
        // Unsigned u64 on disk: a value with the top bit set reads as negative here, and is absurd either way.
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new SafetensorsFormatException(file, "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        if (n > size - 8) {
            throw new SafetensorsFormatException(file, "header length " + n + " runs past the end of the file (" + size + " bytes)");
        }
        ByteBuffer json = ByteBuffer.allocate((int) n);
        readFully(ch, json, 8, file);
        return SafetensorsHeader.parse(json.array(), 8 + n, size - 8 - n, file);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, position + buf.position());
            if (r < 0) throw new SafetensorsFormatException(file, "file ended while reading the header");
        }
    }

    private static int[] intShape(SafetensorsHeader.Entry e, Path file) throws SafetensorsFormatException {
        if (!e.dtype().readable()) {
            throw new SafetensorsFormatException(file, "tensor " + Json.quote(e.name()) + " has dtype " + e.dtype()
                    + "; only F32, F16 and BF16 can be read");
        }
        if (e.numel() > Integer.MAX_VALUE) {
            throw new SafetensorsFormatException(file, "tensor " + Json.quote(e.name()) + " has " + e.numel()
                    + " elements, more than a tensor can hold (2^31-1)");
        }
        int[] shape = new int[e.shape().length];
        for (int i = 0; i < shape.length; i++) {
            // numel fits in an int and is positive, or some size is 0; a huge size next to a 0 is still refused.
            if (e.shape()[i] > Integer.MAX_VALUE) {
                throw new SafetensorsFormatException(file, "tensor " + Json.quote(e.name()) + ": size " + e.shape()[i]
                        + " of dim " + i + " exceeds 2^31-1");
            }
            shape[i] = (int) e.shape()[i];
        }
        return shape;
    }

    /** The elements of {@code e} widened to float, from the mapped data buffer. */
    private static float[] decode(MemorySegment data, SafetensorsHeader.Entry e) {
        int n = (int) e.numel();
        float[] out = new float[n];
        if (e.dtype() == SafetensorsDType.F32) {
            MemorySegment.copy(data, F32_LE, e.begin(), out, 0, n);
            return out;
        }
        short[] half = new short[Math.min(n, CHUNK)];
        for (int at = 0; at < n; at += half.length) {
            int m = Math.min(half.length, n - at);
            MemorySegment.copy(data, I16_LE, e.begin() + 2L * at, half, 0, m);
            if (e.dtype() == SafetensorsDType.F16) {
                for (int i = 0; i < m; i++) out[at + i] = Float.float16ToFloat(half[i]);
            } else {
                for (int i = 0; i < m; i++) out[at + i] = bf16ToFloat(half[i]);
            }
        }
        return out;
    }

    /** bfloat16 is the top half of a float32: widening is a shift, exact for every value, NaN and inf. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * A tensor over {@code data} without a further copy when the backend keeps its storage in heap
     * arrays (reference, cpu); other backends upload it.
     */
    // ---- writing --------------------------------------------------------------------------------

    /**
     * Writes {@code tensors} as F32, in the map's iteration order, with {@code metadata} (null or
     * empty: no {@code __metadata__} entry). The header is compact JSON padded with spaces to a
     * multiple of 8 bytes, as the reference writer does, so the data buffer is 8-aligned in the file.
     *
     * <p>Atomic: the bytes go to a temporary file in the same directory, which is fsynced and then
     * renamed over {@code file}; on any failure the temporary file is deleted and an existing
     * {@code file} is left as it was.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<Map.Entry<String, Tensor>> entries = new ArrayList<>(tensors.entrySet());
        byte[] header = headerBytes(entries, metadata == null ? Map.of() : metadata);
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + file.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                buf.putLong(header.length);
                flush(ch, buf);
                writeFully(ch, ByteBuffer.wrap(header));
                for (Map.Entry<String, Tensor> e : entries) writeFloats(ch, buf, e.getValue().toFloatArray());
                ch.force(true); // the data must be on disk before the rename makes it visible
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
            syncDirectory(dir);
        } finally {
            if (!moved) Files.deleteIfExists(tmp);
        }
    }

    /** The padded header: what the reference {@code serialize} emits for F32 tensors in this order. */
    static byte[] headerBytes(List<Map.Entry<String, Tensor>> entries, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            json.append("\"__metadata__\":{");
            int i = 0;
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (m.getKey() == null || m.getValue() == null) {
                    throw new IllegalArgumentException("safetensors metadata may not hold null (key " + m.getKey() + ")");
                }
                json.append(i++ > 0 ? "," : "").append(Json.quote(m.getKey())).append(':').append(Json.quote(m.getValue()));
            }
            json.append("},");
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : entries) {
            String name = e.getKey();
            if (name == null || e.getValue() == null) throw new IllegalArgumentException("safetensors: null tensor name or tensor (" + name + ")");
            if (name.equals("__metadata__")) throw new IllegalArgumentException("safetensors: '__metadata__' is reserved, not a tensor name");
            long bytes = 4L * e.getValue().numel();
            String shape = Arrays.toString(e.getValue().shape()).replace(" ", "");
            json.append(Json.quote(name)).append(":{\"dtype\":\"F32\",\"shape\":").append(shape)
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]},");
            offset += bytes;
        }
        if (json.charAt(json.length() - 1) == ',') json.setCharAt(json.length() - 1, '}');
        else json.append('}');
        byte[] raw = json.toString().getBytes(StandardCharsets.UTF_8);
        byte[] padded = Arrays.copyOf(raw, (raw.length + 7) / 8 * 8);
        Arrays.fill(padded, raw.length, padded.length, (byte) ' ');
        return padded;
    }

    /** {@code v} little-endian through {@code buf} (empty on entry and exit), a buffer-full at a time. */
    private static void writeFloats(FileChannel ch, ByteBuffer buf, float[] v) throws IOException {
        int per = buf.capacity() / 4;
        for (int at = 0; at < v.length; at += per) {
            int m = Math.min(per, v.length - at);
            buf.asFloatBuffer().put(v, at, m); // bulk copy in buf's byte order; buf's own position stays 0
            buf.position(4 * m);
            flush(ch, buf);
        }
    }

    private static void flush(FileChannel ch, ByteBuffer buf) throws IOException {
        buf.flip();
        writeFully(ch, buf);
        buf.clear();
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    /** Makes the rename durable; some platforms cannot open a directory, and there it is skipped. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // The file itself is complete and in place; only durability across a crash is weaker.
        }
    }
}
