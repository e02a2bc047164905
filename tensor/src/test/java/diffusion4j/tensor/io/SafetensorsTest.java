package diffusion4j.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reader and writer against hand-assembled bytes, known half-precision values, and each other. */
class SafetensorsTest {
    private static final Device REF = Device.REFERENCE;
    @TempDir Path dir;

    @Test void readsHandAssembledFileInHeaderOrder() throws Exception {
        // "b" is listed first in the header but its data comes second: order follows the header.
        String header = "{\"b\":{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[4,12]},"
                + "\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}";
        Path f = StBytes.put(dir, "x.safetensors", StBytes.file(header, StBytes.f32(3.25f, 1.5f, -2f)));
        Map<String, Tensor> t = Safetensors.read(f, REF);
        assertEquals(List.of("b", "a"), List.copyOf(t.keySet()));
        assertArrayEquals(new int[] {2, 1}, t.get("b").shape());
        assertArrayEquals(new float[] {1.5f, -2f}, t.get("b").toFloatArray());
        assertArrayEquals(new int[0], t.get("a").shape());
        assertEquals(3.25f, t.get("a").item());
        assertEquals(Map.of("format", "pt"), Safetensors.readMetadata(f));
    }

    @Test void writerBytesFollowTheSpecExactly() throws Exception {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("w", Tensor.of(REF, new float[] {1f, -2f}, 2));
        t.put("b", Tensor.scalar(REF, 0.5f));
        Path f = dir.resolve("w.safetensors");
        Safetensors.write(f, t, Map.of("format", "pt"));

        String json = "{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]}}";
        assertEquals(138, json.length());
        String padded = json + "      "; // 138 -> 144, the next multiple of 8
        byte[] expected = StBytes.concat(
                new byte[] {(byte) 144, 0, 0, 0, 0, 0, 0, 0},
                padded.getBytes(StandardCharsets.US_ASCII),
                new byte[] {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0, 0, 0, 0, 0x3F});
        assertArrayEquals(expected, Files.readAllBytes(f));
    }

    @Test void writerWithoutMetadataOrTensorsWritesAnEmptyObject() throws Exception {
        Path f = dir.resolve("empty.safetensors");
        Safetensors.write(f, Map.of(), null);
        byte[] expected = StBytes.concat(new byte[] {8, 0, 0, 0, 0, 0, 0, 0}, "{}      ".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(expected, Files.readAllBytes(f));
        assertTrue(Safetensors.read(f, REF).isEmpty());
    }

    @Test void roundTripKeepsValuesShapesOrderAndOddNames() throws Exception {
        Tensor m = Tensor.arange(REF, 0, 12, 1).reshape(3, 4);
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("z.weight", m.t()); // a non-contiguous view: written in its own row-major order
        t.put("quote\"back\\slash\ttab é 😀", Tensor.of(REF, new float[] {Float.NaN, Float.NEGATIVE_INFINITY, -0f, Float.MIN_VALUE}, 2, 2));
        t.put("empty", Tensor.zeros(REF, 0, 3));
        t.put("a.bias", Tensor.of(REF, new float[] {7f}, 1));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("step", "1200");
        meta.put("note", "line\nbreak \"q\"");
        Path f = dir.resolve("rt.safetensors");
        Safetensors.write(f, t, meta);

        Map<String, Tensor> back = Safetensors.read(f, REF);
        assertEquals(List.copyOf(t.keySet()), List.copyOf(back.keySet()));
        for (String k : t.keySet()) {
            assertArrayEquals(t.get(k).shape(), back.get(k).shape(), k);
            assertArrayEquals(bits(t.get(k).toFloatArray()), bits(back.get(k).toFloatArray()), k);
        }
        assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, back.get("z.weight").toFloatArray());
        assertEquals(meta, Safetensors.readMetadata(f));
        assertEquals(0, Safetensors.readHeader(f).dataStart() % 8, "data buffer 8-aligned");
    }

    @Test void readCanSelectTensorsByName() throws Exception {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("enc.w", Tensor.of(REF, new float[] {1, 2}, 2));
        t.put("dec.w", Tensor.of(REF, new float[] {3}, 1));
        Path f = dir.resolve("sel.safetensors");
        Safetensors.write(f, t, null);
        Map<String, Tensor> dec = Safetensors.read(f, REF, n -> n.startsWith("dec."));
        assertEquals(List.of("dec.w"), List.copyOf(dec.keySet()));
        assertArrayEquals(new float[] {3}, dec.get("dec.w").toFloatArray());
    }

    @Test void float16KnownValues() throws Exception {
        int[] bits = {0x3C00, 0xC100, 0x7BFF, 0x0001, 0x03FF, 0x0400, 0x8000, 0x7C00, 0xFC00, 0x3555};
        float[] want = {1f, -2.5f, 65504f, 0x1p-24f, 1023 * 0x1p-24f, 0x1p-14f, -0f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, 0x1.554p-2f};
        Path f = StBytes.put(dir, "f16.safetensors", StBytes.file(
                "{\"h\":{\"dtype\":\"F16\",\"shape\":[10],\"data_offsets\":[0,20]}}", StBytes.u16(bits)));
        assertArrayEquals(bits(want), bits(Safetensors.read(f, REF).get("h").toFloatArray()));
    }

    @Test void bfloat16KnownValues() throws Exception {
        int[] bits = {0x3F80, 0xC020, 0x477F, 0x0001, 0x007F, 0x0080, 0x7F7F, 0x8000, 0xFF80, 0x3EAB};
        float[] want = {1f, -2.5f, 65280f, 0x1p-133f, 127 * 0x1p-133f, 0x1p-126f, 0x1.fep127f, -0f,
                Float.NEGATIVE_INFINITY, 0x1.56p-2f};
        Path f = StBytes.put(dir, "bf16.safetensors", StBytes.file(
                "{\"h\":{\"dtype\":\"BF16\",\"shape\":[2,5],\"data_offsets\":[0,20]}}", StBytes.u16(bits)));
        assertArrayEquals(bits(want), bits(Safetensors.read(f, REF).get("h").toFloatArray()));
        assertTrue(Float.isNaN(Safetensors.bf16ToFloat((short) 0x7FC0)));
    }

    @Test void halfPrecisionConversionSpansChunkBoundaries() throws Exception {
        // More elements than one conversion chunk; k/4 for |k| < 2048 is exact in F16 (11 significant bits).
        int n = 40_001;
        int[] bits = new int[n];
        float[] want = new float[n];
        for (int i = 0; i < n; i++) {
            want[i] = ((i * 37) % 4095 - 2047) / 4f;
            bits[i] = Float.floatToFloat16(want[i]);
        }
        Path f = StBytes.put(dir, "big16.safetensors", StBytes.file(
                "{\"h\":{\"dtype\":\"F16\",\"shape\":[" + n + "],\"data_offsets\":[0," + 2 * n + "]}}", StBytes.u16(bits)));
        assertArrayEquals(want, Safetensors.read(f, REF).get("h").toFloatArray());
    }

    @Test void writeReplacesAnExistingFileAndLeavesNoTemporaryFile() throws Exception {
        Path f = dir.resolve("m.safetensors");
        Safetensors.write(f, Map.of("x", Tensor.of(REF, new float[] {1}, 1)), null);
        Safetensors.write(f, Map.of("y", Tensor.of(REF, new float[] {2, 3}, 2)), null);
        assertEquals(List.of("y"), List.copyOf(Safetensors.read(f, REF).keySet()));
        assertEquals(List.of(f), listDir());
    }

    @Test void failedWriteKeepsTheOldFileAndRemovesTheTemporaryFile() throws Exception {
        Path f = dir.resolve("m.safetensors");
        Safetensors.write(f, Map.of("x", Tensor.of(REF, new float[] {1}, 1)), Map.of("v", "1"));
        byte[] before = Files.readAllBytes(f);
        // The second tensor fails while its bytes are being written: the header and the first tensor are already out.
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("ok", Tensor.of(REF, new float[] {5, 6}, 2));
        t.put("lost", FailingBackend.tensor(3));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Safetensors.write(f, t, null));
        assertEquals("device lost", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        assertEquals(List.of(f), listDir());
    }

    @Test void failedRenameRemovesTheTemporaryFile() throws Exception {
        Path target = Files.createDirectory(dir.resolve("taken"));
        Files.writeString(target.resolve("inside"), "x"); // a non-empty directory cannot be renamed over
        assertThrows(java.io.IOException.class,
                () -> Safetensors.write(target, Map.of("x", Tensor.of(REF, new float[] {1}, 1)), null));
        assertEquals(List.of(target), listDir());
        assertEquals("x", Files.readString(target.resolve("inside")));
    }

    @Test void writerRejectsReservedNameAndNullMetadata() {
        Path f = dir.resolve("bad.safetensors");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(f, Map.of("__metadata__", Tensor.scalar(REF, 1)), null));
        assertTrue(e.getMessage().contains("reserved"), e.getMessage());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("k", null);
        e = assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, Map.of(), meta));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
        assertTrue(Files.notExists(f));
    }

    private List<Path> listDir() throws Exception {
        try (var s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }
}
