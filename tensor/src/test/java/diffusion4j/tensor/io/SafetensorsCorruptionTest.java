package diffusion4j.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Device;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a hostile or broken file can be wrong, each rejected with a message naming the file and the culprit. */
class SafetensorsCorruptionTest {
    @TempDir Path dir;

    private static String t(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    /** Reads {@code bytes} as a file and returns the message it is rejected with; checks the file is named. */
    private String rejected(byte[] bytes) throws Exception {
        Path f = StBytes.put(dir, "bad.safetensors", bytes);
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(f, Device.REFERENCE));
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
        return e.getMessage();
    }

    private String rejected(String header, byte[] data) throws Exception {
        return rejected(StBytes.file(header, data));
    }

    private static void contains(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "expected '" + p + "' in: " + message);
    }

    @Test void fileShorterThanTheLengthField() throws Exception {
        contains(rejected(new byte[] {1, 0, 0}), "3 bytes, too short");
    }

    @Test void headerLengthPastEndOfFile() throws Exception {
        byte[] b = StBytes.file("{}", new byte[0]);
        b[0] = 40;
        contains(rejected(b), "header length 40 runs past the end of the file (10 bytes)");
    }

    @Test void absurdHeaderLengths() throws Exception {
        byte[] huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(100_000_001L).array();
        contains(rejected(huge), "header length 100000001 exceeds the limit");
        byte[] topBit = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).array();
        contains(rejected(topBit), "header length 18446744073709551615 exceeds the limit");
    }

    @Test void invalidJson() throws Exception {
        contains(rejected("{\"a\":", new byte[0]), "invalid JSON", "end of text");
        contains(rejected("{\"a\":1,}", new byte[0]), "invalid JSON at offset 7");
        contains(rejected("{} x", new byte[0]), "after the value");
    }

    @Test void invalidUtf8() throws Exception {
        byte[] h = {'{', '"', (byte) 0xC3, '"', ':', '1', '}', ' '};
        contains(rejected(StBytes.file(h, new byte[0])), "not valid UTF-8");
    }

    @Test void headerNotAnObject() throws Exception {
        contains(rejected("[]", new byte[0]), "header is not a JSON object");
    }

    @Test void duplicateTensorNames() throws Exception {
        String h = "{" + t("w", "F32", "[1]", "[0,4]") + "," + t("w", "F32", "[1]", "[4,8]") + "}";
        contains(rejected(h, new byte[8]), "duplicate key \"w\"");
    }

    @Test void duplicateFieldInsideATensor() throws Exception {
        contains(rejected("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]),
                "duplicate key \"dtype\"");
    }

    @Test void missingAndExtraFields() throws Exception {
        contains(rejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]), "tensor \"w\": missing field 'data_offsets'");
        contains(rejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"align\":8}}", new byte[4]),
                "tensor \"w\": unexpected field \"align\"");
        contains(rejected("{\"w\":[1,2]}", new byte[0]), "tensor \"w\": expected an object, got an array");
    }

    @Test void badDtypes() throws Exception {
        contains(rejected("{" + t("w", "F33", "[1]", "[0,4]") + "}", new byte[4]), "tensor \"w\": unknown dtype \"F33\"");
        contains(rejected("{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "dtype must be a string, got 4");
    }

    @Test void unsupportedDtypeIsRefusedByReadButTheHeaderStillValidates() throws Exception {
        byte[] file = StBytes.file("{\"__metadata__\":{\"k\":\"v\"}," + t("ids", "I64", "[2]", "[0,16]") + "}", new byte[16]);
        contains(rejected(file), "tensor \"ids\" has dtype I64; only F32, F16 and BF16 can be read");
        assertEquals(Map.of("k", "v"), Safetensors.readMetadata(dir.resolve("bad.safetensors")));
    }

    @Test void badShapeEntries() throws Exception {
        contains(rejected("{" + t("w", "F32", "[-1]", "[0,4]") + "}", new byte[4]), "tensor \"w\": shape entry 0 is negative: -1");
        contains(rejected("{" + t("w", "F32", "[2.0]", "[0,8]") + "}", new byte[8]), "shape entry 0 is not an integer: 2.0");
        contains(rejected("{" + t("w", "F32", "[1e1]", "[0,40]") + "}", new byte[40]), "shape entry 0 is not an integer: 1e1");
        contains(rejected("{" + t("w", "F32", "[1,\"2\"]", "[0,8]") + "}", new byte[8]), "shape entry 1 is not an integer: the string \"2\"");
        contains(rejected("{" + t("w", "F32", "{}", "[0,4]") + "}", new byte[4]), "shape must be an array");
        contains(rejected("{" + t("w", "F32", "[99999999999999999999]", "[0,4]") + "}", new byte[4]), "does not fit in 64 bits");
    }

    @Test void shapeProductOverflow() throws Exception {
        contains(rejected("{" + t("w", "F32", "[4294967296,4294967296]", "[0,4]") + "}", new byte[4]),
                "tensor \"w\": shape [4294967296, 4294967296] overflows 64 bits");
        // The element count fits but the byte count (x4) does not.
        contains(rejected("{" + t("w", "F32", "[4611686018427387904]", "[0,4]") + "}", new byte[4]), "overflows 64 bits");
    }

    @Test void dimensionTooLargeForATensorEvenWhenEmpty() throws Exception {
        contains(rejected("{" + t("w", "F32", "[3000000000,0]", "[0,0]") + "}", new byte[0]), "size 3000000000 of dim 0 exceeds 2^31-1");
    }

    @Test void offsetsThatDoNotMatchTheShape() throws Exception {
        contains(rejected("{" + t("w", "F32", "[2]", "[0,4]") + "}", new byte[4]),
                "tensor \"w\": data_offsets [0, 4] hold 4 bytes but shape [2] of F32 needs 8");
        contains(rejected("{" + t("w", "F16", "[2]", "[0,8]") + "}", new byte[8]), "hold 8 bytes but shape [2] of F16 needs 4");
        contains(rejected("{" + t("w", "F32", "[0]", "[4,0]") + "}", new byte[4]), "end before begin");
        contains(rejected("{" + t("w", "F32", "[1]", "[0]") + "}", new byte[4]), "data_offsets must have 2 entries, got 1");
        contains(rejected("{" + t("w", "F32", "[1]", "[0,-4]") + "}", new byte[4]), "data_offsets entry 1 is negative");
    }

    @Test void offsetsOutsideTheBuffer() throws Exception {
        contains(rejected("{" + t("w", "F32", "[2]", "[4,12]") + "}", new byte[8]),
                "tensor \"w\": data_offsets [4, 12] run past the end of the 8-byte data buffer");
    }

    @Test void overlappingTensors() throws Exception {
        String h = "{" + t("a", "F32", "[2]", "[0,8]") + "," + t("b", "F32", "[2]", "[4,12]") + "}";
        contains(rejected(h, new byte[12]), "tensor \"b\" [4, 12) overlaps tensor \"a\" [0, 8)");
    }

    @Test void holesInTheBuffer() throws Exception {
        String h = "{" + t("a", "F32", "[1]", "[0,4]") + "," + t("b", "F32", "[1]", "[8,12]") + "}";
        contains(rejected(h, new byte[12]), "bytes [4, 8) before tensor \"b\" belong to no tensor");
        contains(rejected("{" + t("a", "F32", "[1]", "[4,8]") + "}", new byte[8]), "bytes [0, 4) before tensor \"a\"");
    }

    @Test void trailingBytes() throws Exception {
        contains(rejected("{" + t("a", "F32", "[1]", "[0,4]") + "}", new byte[6]),
                "data buffer has 6 bytes but the tensors cover 4 (trailing bytes are not allowed)");
        contains(rejected("{}", new byte[1]), "data buffer has 1 bytes but the tensors cover 0");
    }

    @Test void badMetadata() throws Exception {
        contains(rejected("{\"__metadata__\":{\"epoch\":3}}", new byte[0]), "__metadata__ key \"epoch\" has a non-string value 3");
        contains(rejected("{\"__metadata__\":{\"x\":null}}", new byte[0]), "non-string value null");
        contains(rejected("{\"__metadata__\":[\"a\"]}", new byte[0]), "__metadata__ must be an object of strings, got an array");
    }

    @Test void zeroSizeTensorsMayShareAnOffset() throws Exception {
        // Not corruption: empty tensors occupy no bytes, so the reference rule lets them sit anywhere on the tiling.
        String h = "{" + t("a", "F32", "[0]", "[4,4]") + "," + t("b", "F32", "[1]", "[0,4]") + "," + t("c", "F32", "[0,5]", "[4,4]") + "}";
        Path f = StBytes.put(dir, "ok.safetensors", StBytes.file(h, StBytes.f32(9f)));
        var read = Safetensors.read(f, Device.REFERENCE);
        assertEquals(9f, read.get("b").item());
        assertEquals(0, read.get("c").numel());
    }
}
