package diffusion4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The IDX reader on tiny hand-built files: valid ones (plain and gzipped) and each way to be corrupt. */
class IdxTest {
    /** Big-endian magic and sizes, then the payload. */
    static byte[] idx(int magic, int[] dims, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload.length);
        b.putInt(magic);
        for (int d : dims) b.putInt(d);
        return b.put(payload).array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    private static byte[] ramp(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 21); // wraps past 127: exercises unsigned reading
        return b;
    }

    private static Idx.Images images(byte[] file) throws IOException {
        return Idx.readImages(new ByteArrayInputStream(file), "test.idx");
    }

    private static String imageError(byte[] file) {
        Idx.FormatException e = assertThrows(Idx.FormatException.class, () -> images(file));
        assertTrue(e.getMessage().startsWith("test.idx: "), e.getMessage());
        return e.getMessage();
    }

    @Test void readsImagesRowMajorAsUnsignedBytes() throws IOException {
        byte[] file = idx(0x803, new int[] {2, 2, 3}, ramp(12));
        for (byte[] f : new byte[][] {file, gzip(file)}) {
            Idx.Images im = images(f);
            assertEquals(2, im.count());
            assertEquals(2, im.rows());
            assertEquals(3, im.cols());
            assertEquals(231, im.pixel(1, 1, 2)); // element 1*6 + 1*3 + 2 = 11, byte 11*21 = 231
            assertEquals(105, im.pixel(0, 1, 2)); // element 5
            assertEquals(0, im.pixel(0, 0, 0));
        }
    }

    @Test void readsLabels() throws IOException {
        byte[] file = idx(0x801, new int[] {4}, new byte[] {9, 0, 3, (byte) 200});
        assertArrayEquals(new byte[] {9, 0, 3, (byte) 200}, Idx.readLabels(new ByteArrayInputStream(gzip(file)), "l"));
    }

    @Test void badMagic() {
        assertEquals("test.idx: bad magic 0x00000801, expected 0x00000803 (unsigned-byte images, rank 3)",
                imageError(idx(0x801, new int[] {1}, new byte[1])));
        Idx.FormatException e = assertThrows(Idx.FormatException.class,
                () -> Idx.readLabels(new ByteArrayInputStream(idx(0x803, new int[] {1, 1, 1}, new byte[1])), "l.idx"));
        assertEquals("l.idx: bad magic 0x00000803, expected 0x00000801 (unsigned-byte labels, rank 1)", e.getMessage());
        assertTrue(imageError(idx(0x0D03, new int[] {1, 1, 1}, new byte[1])).contains("bad magic 0x00000D03")); // float32 IDX
    }

    @Test void truncatedData() throws IOException {
        byte[] file = idx(0x803, new int[] {2, 2, 3}, ramp(11));
        assertEquals("test.idx: truncated: the header promises 12 bytes of data, the file holds 11", imageError(file));
        assertEquals("test.idx: truncated: the header promises 12 bytes of data, the file holds 11", imageError(gzip(file)));
    }

    @Test void truncatedHeader() throws IOException {
        byte[] header = Arrays.copyOf(idx(0x803, new int[] {2, 2, 3}, new byte[0]), 10);
        assertTrue(imageError(header).contains("ends inside the header"));
        byte[] gz = gzip(idx(0x803, new int[] {2, 2, 3}, ramp(12)));
        assertTrue(imageError(Arrays.copyOf(gz, gz.length - 12)).contains("truncated"));
    }

    @Test void trailingBytes() {
        assertEquals("test.idx: trailing bytes after the 12 bytes of data", imageError(idx(0x803, new int[] {2, 2, 3}, ramp(13))));
    }

    @Test void absurdSizes() {
        assertEquals("test.idx: size 4294967295 of dim 0 is too large", imageError(idx(0x803, new int[] {-1, 28, 28}, new byte[0])));
        assertEquals("test.idx: more than 2^31 elements", imageError(idx(0x803, new int[] {65536, 65536, 1}, new byte[0])));
    }

    @Test void corruptGzip() throws IOException {
        byte[] gz = gzip(idx(0x803, new int[] {2, 2, 3}, ramp(12)));
        gz[gz.length - 5] ^= 0x55; // inside the CRC-32/length trailer
        assertTrue(imageError(gz).contains("gzip"), imageError(gz));
    }
}
