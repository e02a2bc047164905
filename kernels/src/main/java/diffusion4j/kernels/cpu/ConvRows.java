package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmKernel.MR;
import static diffusion4j.kernels.cpu.GemmKernel.NR;

/**
 * How the convolution GEMMs cut the m rows of their A operand (output channels for the forward
 * and input-gradient passes, dy's channels for the weight gradient) into packed panels: 12-row
 * panels for {@link GemmKernel}, then zero to two 8-row panels for {@link AttentionTile#tileTN}, whichever
 * count pads the fewest rows (ties: fewer 8-row panels). 64 rows = 4 x 12 + 2 x 8, 128 = 10 x 12 + 8,
 * 256 = 20 x 12 + 2 x 8: no zero rows, where 12-row panels alone compute 72, 132 and 264.
 * Two 8-row panels are enough: 8 and 16 are 8 and 4 modulo 12, so with zero, one or two of them
 * every multiple of 4 from 8 up is covered exactly.
 *
 * <p>Packed layout of one depth block of kc: panel i (height h) at {@code start(i) * kc}, holding for
 * each k its h values of column k (rows past m are 0). The summation order of an output element
 * is the micro-kernel's (k ascending) whichever panel height holds its row.
 */
final class ConvRows {
    /** Rows of the smaller panels: {@link AttentionTile}'s 8 x NR register tile. */
    static final int MR8 = AttentionTile.TR;
    /** Whether to use 8-row panels at all; off gives 12-row panels only (for A/B timing). */
    static final boolean TILE8 = Boolean.parseBoolean(System.getProperty("diffusion4j.conv.tile8", "true"));

    /** Rows of the matrix. */
    final int m;
    /** Panel i covers padded rows {@code [start[i], start[i+1])}; the last entry is the padded row count. */
    private final int[] start;

    ConvRows(int m) {
        this.m = m;
        int best = -1, bestTwelves = 0, bestWaste = Integer.MAX_VALUE;
        for (int e = 0; e <= (TILE8 ? 2 : 0); e++) {
            int twelves = Math.max(0, GemmPacking.panels(m - e * MR8, MR)), waste = twelves * MR + e * MR8 - m;
            if (waste < bestWaste) {
                best = e;
                bestTwelves = twelves;
                bestWaste = waste;
            }
        }
        start = new int[bestTwelves + best + 1];
        for (int i = 1; i < start.length; i++) start[i] = start[i - 1] + (i <= bestTwelves ? MR : MR8);
    }

    int count() {
        return start.length - 1;
    }

    /** Rows including the zero padding: the packed size of one depth column. */
    int padded() {
        return start[start.length - 1];
    }

    int start(int panel) {
        return start[panel];
    }

    int height(int panel) {
        return start[panel + 1] - start[panel];
    }

    /**
     * Packs an {@code m x kc} block of A into all panels.
     *
     * @param src element (i, p) at {@code base + i*rs + p*cs}
     * @param dst written: {@code padded() * kc} values from {@code d}
     */
    void pack(int kc, float[] src, int base, int rs, int cs, float[] dst, int d) {
        for (int ip = 0; ip < count(); ip++) pack(ip, kc, src, base, rs, cs, dst, d);
    }

    /** {@link #pack} for panel {@code ip} alone: its {@code height(ip) * kc} values from {@code d + start(ip) * kc}. */
    void pack(int ip, int kc, float[] src, int base, int rs, int cs, float[] dst, int d) {
        int h = height(ip), r0 = start[ip], o0 = d + r0 * kc;
        for (int i = 0; i < h; i++) {
            int row = r0 + i;
            if (row >= m) {
                for (int p = 0, o = o0 + i; p < kc; p++, o += h) dst[o] = 0f;
                continue;
            }
            for (int p = 0, s = base + row * rs, o = o0 + i; p < kc; p++, s += cs, o += h) dst[o] = src[s];
        }
    }

    /**
     * {@code C (+)= A * B} for every packed A panel of one depth block against one packed B panel;
     * tiles that overhang m rows or {@code cols} columns go through {@code tile}.
     *
     * @param aBlock the depth block's packed A, laid out as {@link #pack} writes it
     * @param c      written (added to when {@code acc}): rows [0, m), columns [0, cols) at {@code co}, row stride ldc
     * @param tile   at least {@code MR * NR} floats of scratch
     */
    void multiply(int kc, float[] ap, int aBlock, float[] bp, int bo, float[] c, int co, int ldc, int cols, boolean acc, float[] tile) {
        for (int ip = 0; ip < count(); ip++) {
            int r0 = start[ip], h = height(ip), rows = Math.min(h, m - r0), ao = aBlock + r0 * kc, ci = co + r0 * ldc;
            if (rows == h && cols == NR) {
                kernel(h, kc, ap, ao, bp, bo, c, ci, ldc, acc);
                continue;
            }
            kernel(h, kc, ap, ao, bp, bo, tile, 0, NR, false);
            for (int r = 0; r < rows; r++) {
                for (int q = 0, o = ci + r * ldc; q < cols; q++) c[o + q] = acc ? c[o + q] + tile[r * NR + q] : tile[r * NR + q];
            }
        }
    }

    private static void kernel(int h, int kc, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc, boolean acc) {
        if (h == MR) GemmKernel.tile(kc, a, ao, b, bo, c, co, ldc, acc);
        else AttentionTile.tileTN(kc, a, ao, MR8, b, bo, NR, c, co, ldc, acc); // an 8-row panel is A^T with row stride 8
    }
}
