package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmKernel.LANES;
import static diffusion4j.kernels.cpu.GemmKernel.MR;
import static diffusion4j.kernels.cpu.GemmKernel.NR;
import static diffusion4j.kernels.cpu.GemmKernel.SPECIES;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Copies strided operands into the panel layouts {@link GemmKernel} streams through. Packing is
 * where strides are paid for, once per block: the micro-kernel then reads both panels with unit
 * stride whatever the caller's layout, so transposed and broadcast operands cost nothing extra.
 * Rows (A) or columns (B) past the matrix edge are written as zeros, which lets the kernel always
 * compute full tiles.
 */
final class GemmPacking {
    private GemmPacking() {}

    /**
     * Packs an {@code rows x kc} block of A (rows <= MR) into one MR panel.
     *
     * @param src  element (i, p) at {@code base + i*rs + p*cs}
     * @param dst  written: {@code MR * kc} values from {@code d}
     */
    static void packA(int rows, int kc, float[] src, int base, int rs, int cs, float[] dst, int d) {
        if (cs == 1 && LANES == Transpose.BLOCK) {
            // Row-major A: 16 columns at a time through the register transpose, rows past the edge
            // as zeros. The element loop below, MR scalar stores 48 bytes apart per column, took
            // 0.3-0.55 ns a float, 7% of a thread's time in the 1024 product.
            int p = 0;
            for (; p + Transpose.BLOCK <= kc; p += Transpose.BLOCK) Transpose.block(src, base + p, rs, rows, dst, d + p * MR, MR, MR);
            for (; p < kc; p++) {
                for (int i = 0, o = d + p * MR; i < MR; i++) dst[o + i] = i < rows ? src[base + i * rs + p] : 0f;
            }
            return;
        }
        if (rows < MR) Arrays.fill(dst, d, d + MR * kc, 0f);
        if (cs == 1 && rows == MR) {
            // Row-major A: MR unit-stride streams, one per row.
            for (int i = 0; i < MR; i++) {
                int s = base + i * rs;
                for (int p = 0, o = d + i; p < kc; p++, o += MR) dst[o] = src[s + p];
            }
            return;
        }
        if (rs == 1 && rows == MR) {
            // Column-major A (a transposed operand, as in a weight gradient's x^T): the MR values of
            // each column are contiguous, a fixed-length copy per column. The general loop below
            // (strided index, variable length) took longer than the products at 128 x 128 x 8192.
            for (int p = 0; p < kc; p++) {
                int s = base + p * cs, o = d + p * MR;
                for (int i = 0; i < MR; i++) dst[o + i] = src[s + i];
            }
            return;
        }
        for (int p = 0; p < kc; p++) {
            int s = base + p * cs, o = d + p * MR;
            for (int i = 0; i < rows; i++) dst[o + i] = src[s + i * rs];
        }
    }

    /**
     * Packs a {@code kc x cols} block of B (cols <= NR) into one NR panel.
     *
     * @param src element (p, j) at {@code base + p*rs + j*cs}
     * @param dst written: {@code NR * kc} values from {@code d}
     */
    static void packB(int cols, int kc, float[] src, int base, int rs, int cs, float[] dst, int d) {
        if (cs == 1 && cols == NR) {
            for (int p = 0; p < kc; p++) row(src, base + p * rs, dst, d + p * NR);
            return;
        }
        if (cols < NR) Arrays.fill(dst, d, d + NR * kc, 0f);
        if (rs == 1) {
            // Transposed B (each column contiguous in memory): read along columns.
            for (int j = 0; j < cols; j++) {
                int s = base + j * cs;
                for (int p = 0, o = d + j; p < kc; p++, o += NR) dst[o] = src[s + p];
            }
            return;
        }
        for (int p = 0; p < kc; p++) {
            int s = base + p * rs, o = d + p * NR;
            for (int j = 0; j < cols; j++) dst[o + j] = src[s + j * cs];
        }
    }

    /**
     * Packs {@code rows x kc} of A into consecutive MR panels ({@code MR*kc} each), panels
     * {@code [p0, p1)} only, so callers can split the work across threads.
     */
    static void packAPanels(int p0, int p1, int rows, int kc, float[] src, int base, int rs, int cs, float[] dst, int d) {
        for (int p = p0; p < p1; p++) {
            int i = p * MR;
            packA(Math.min(MR, rows - i), kc, src, base + i * rs, rs, cs, dst, d + p * MR * kc);
        }
    }

    /**
     * Packs {@code kc x cols} of B into consecutive NR panels ({@code NR*kc} each), panels {@code [p0, p1)}.
     * Full panels of row-major B are packed a row at a time across all of them: the source is then
     * read in runs of {@code (p1-p0)*NR} floats, where packing panel by panel walks down a 128-byte
     * column strip, one new page per row (at n = 2048: 1.3 ns per element against 0.4-0.55, which
     * was 5% of the product's CPU time).
     */
    static void packBPanels(int p0, int p1, int cols, int kc, float[] src, int base, int rs, int cs, float[] dst, int d) {
        int full = Math.min(p1, cols / NR);
        if (cs == 1 && full - p0 > 1) {
            for (int k = 0; k < kc; k++) {
                int s = base + k * rs + p0 * NR, o = d + p0 * NR * kc + k * NR;
                for (int p = p0; p < full; p++, s += NR, o += NR * kc) row(src, s, dst, o);
            }
            p0 = full;
        }
        for (int p = p0; p < p1; p++) {
            int j = p * NR;
            packB(Math.min(NR, cols - j), kc, src, base + j * cs, rs, cs, dst, d + p * NR * kc);
        }
    }

    /**
     * One panel row, NR floats: two vector copies. System.arraycopy per 128-byte row cost about as
     * much as the products' own time share at 128 x 128 x 8192 (a weight gradient, B = dy).
     */
    private static void row(float[] src, int s, float[] dst, int o) {
        FloatVector.fromArray(SPECIES, src, s).intoArray(dst, o);
        FloatVector.fromArray(SPECIES, src, s + LANES).intoArray(dst, o + LANES);
    }

    static int panels(int n, int width) {
        return (n + width - 1) / width;
    }
}
