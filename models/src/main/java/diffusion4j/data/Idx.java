package diffusion4j.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reader for the IDX files of MNIST and Fashion-MNIST (LeCun's format): a big-endian int magic
 * {@code 0x00000800 | rank} for unsigned bytes, {@code rank} big-endian int sizes, then the
 * elements row-major. Images are rank 3 ({@code 0x00000803}: count, rows, cols), labels rank 1
 * ({@code 0x00000801}: count). Gzipped input is recognised by its magic bytes, not its name.
 *
 * <p>Strict: a wrong magic, a negative or overflowing size, a short payload, bytes after the
 * payload, and a corrupt gzip stream are all errors naming the source.
 */
public final class Idx {
    private Idx() {}

    public static final int IMAGES_MAGIC = 0x00000803;
    public static final int LABELS_MAGIC = 0x00000801;

    /** A malformed IDX file. */
    public static final class FormatException extends IOException {
        public FormatException(String source, String message) {
            super(source + ": " + message);
        }
    }

    /**
     * Images as unsigned bytes.
     *
     * @param pixels (count, rows, cols) row-major, values 0..255 stored as signed bytes
     */
    public record Images(int count, int rows, int cols, byte[] pixels) {
        /** Pixel {@code (r, c)} of image {@code i}, 0..255. */
        public int pixel(int i, int r, int c) {
            return pixels[(i * rows + r) * cols + c] & 0xFF;
        }
    }

    public static Images readImages(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readImages(in, file.toString());
        }
    }

    public static byte[] readLabels(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readLabels(in, file.toString());
        }
    }

    /** Reads an image file (plain or gzipped) from {@code in}; {@code source} names it in errors. */
    public static Images readImages(InputStream in, String source) throws IOException {
        Raw r = read(in, source, IMAGES_MAGIC);
        return new Images(r.dims[0], r.dims[1], r.dims[2], r.data);
    }

    /** Reads a label file (plain or gzipped): one unsigned byte per example. */
    public static byte[] readLabels(InputStream in, String source) throws IOException {
        return read(in, source, LABELS_MAGIC).data;
    }

    private record Raw(int[] dims, byte[] data) {}

    private static Raw read(InputStream raw, String source, int magic) throws IOException {
        try {
            DataInputStream in = new DataInputStream(maybeGunzip(raw));
            int found = in.readInt();
            if (found != magic) {
                throw new FormatException(source, String.format("bad magic 0x%08X, expected 0x%08X (%s)", found, magic,
                        magic == IMAGES_MAGIC ? "unsigned-byte images, rank 3" : "unsigned-byte labels, rank 1"));
            }
            int[] dims = new int[magic & 0xFF];
            long total = 1;
            for (int i = 0; i < dims.length; i++) {
                dims[i] = in.readInt();
                if (dims[i] < 0) throw new FormatException(source, "size " + (dims[i] & 0xFFFFFFFFL) + " of dim " + i + " is too large");
                total *= dims[i];
                // Arrays hold up to about 2^31 elements; also stops the product from overflowing a long.
                if (total > Integer.MAX_VALUE - 8) throw new FormatException(source, "more than 2^31 elements");
            }
            // readNBytes grows its buffer as data arrives, so a lying header cannot make us allocate it all up front.
            byte[] data = in.readNBytes((int) total);
            if (data.length < total) {
                throw new FormatException(source, "truncated: the header promises " + total + " bytes of data, the file holds "
                        + data.length);
            }
            if (in.read() >= 0) throw new FormatException(source, "trailing bytes after the " + total + " bytes of data");
            return new Raw(dims, data);
        } catch (EOFException e) {
            throw new FormatException(source, "truncated: the file ends inside the header or the gzip stream");
        } catch (ZipException e) {
            throw new FormatException(source, "corrupt gzip stream (" + e.getMessage() + ")");
        }
    }

    /** {@code in}, decompressed when it starts with the gzip magic bytes 1f 8b. */
    private static InputStream maybeGunzip(InputStream in) throws IOException {
        BufferedInputStream b = new BufferedInputStream(in, 1 << 16);
        b.mark(2);
        int b0 = b.read(), b1 = b.read();
        b.reset();
        return b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(b, 1 << 16), 1 << 16) : b;
    }
}
