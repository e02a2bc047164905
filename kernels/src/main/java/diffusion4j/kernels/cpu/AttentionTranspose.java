package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmKernel.LANES;
import static diffusion4j.kernels.cpu.GemmKernel.SPECIES;

import jdk.incubator.vector.FloatVector;

/**
 * Matrix transpose in registers for {@link CpuAttentionRows}, which needs K^T and V^T as B operands
 * of its products. Whole
 * LANES x LANES blocks go through log2(LANES) stages, each swapping the off-diagonal s x s
 * sub-blocks of every pair of rows (r, r + s) with one two-vector permute per output row
 * ({@code selectFrom(a, b)}), the recursive block transpose; the edges left over go element by
 * element. In a tight loop over one block in L1 an element loop is faster (50 ns against 115 ns a
 * 16 x 16 block), but inside the attention call this form made the whole call about 5% faster
 * (fwd and bwd, L = D = 64, one JVM, the two forms interleaved). Only data moves, so the result is
 * exact whatever the JIT does.
 */
final class AttentionTranspose {
    private AttentionTranspose() {}

    private static final int STAGES = Integer.numberOfTrailingZeros(LANES);
    /**
     * Permute indices per stage, LANES floats each: for stage s (LANES/2, ..., 1) the "low" row of a
     * pair takes lane l from a when bit s of l is clear, else lane l - s of b; the "high" row takes
     * lane l + s of a when clear, else lane l of b. Indices at or above LANES select from b.
     */
    private static final float[] LO = new float[STAGES * LANES], HI = new float[STAGES * LANES];

    static {
        for (int st = 0, s = LANES / 2; s > 0; st++, s /= 2) {
            for (int l = 0; l < LANES; l++) {
                boolean clear = (l & s) == 0;
                LO[st * LANES + l] = clear ? l : LANES + l - s;
                HI[st * LANES + l] = clear ? l + s : LANES + l;
            }
        }
    }

    /**
     * {@code dst[at + c*ld + r] = src[base + r*cols + c]} for r < rows, c < cols.
     *
     * @param tmp scratch of LANES*LANES floats
     */
    static void transpose(float[] src, int base, int rows, int cols, float[] dst, int at, int ld, float[] tmp) {
        int rb = rows / LANES * LANES, cb = cols / LANES * LANES;
        for (int r = 0; r < rb; r += LANES) {
            for (int c = 0; c < cb; c += LANES) block(src, base + r * cols + c, cols, dst, at + c * ld + r, ld, tmp);
        }
        scalar(src, base, 0, rows, cb, cols, cols, dst, at, ld); // right edge: columns past the last block
        scalar(src, base, rb, rows, 0, cb, cols, dst, at, ld); // bottom edge
    }

    private static void scalar(float[] src, int base, int r0, int r1, int c0, int c1, int cols, float[] dst, int at, int ld) {
        for (int c = c0; c < c1; c++) {
            for (int r = r0, o = at + c * ld, s = base + c; r < r1; r++) dst[o + r] = src[s + r * cols];
        }
    }

    /**
     * One LANES x LANES block: rows of src at stride {@code sld} to rows of dst at stride {@code dld}.
     *
     * @param tmp scratch of LANES*LANES floats (the stages in between)
     */
    static void block(float[] src, int so, int sld, float[] dst, int dOff, int dld, float[] tmp) {
        for (int st = 0, s = LANES / 2; s > 0; st++, s /= 2) {
            boolean first = st == 0, last = s == 1;
            FloatVector lo = FloatVector.fromArray(SPECIES, LO, st * LANES), hi = FloatVector.fromArray(SPECIES, HI, st * LANES);
            for (int r = 0; r < LANES; r++) {
                if ((r & s) != 0) continue;
                FloatVector a = first ? FloatVector.fromArray(SPECIES, src, so + r * sld) : FloatVector.fromArray(SPECIES, tmp, r * LANES);
                FloatVector b = first ? FloatVector.fromArray(SPECIES, src, so + (r + s) * sld)
                        : FloatVector.fromArray(SPECIES, tmp, (r + s) * LANES);
                FloatVector x = lo.selectFrom(a, b), y = hi.selectFrom(a, b);
                if (last) {
                    x.intoArray(dst, dOff + r * dld);
                    y.intoArray(dst, dOff + (r + s) * dld);
                } else {
                    x.intoArray(tmp, r * LANES);
                    y.intoArray(tmp, (r + s) * LANES);
                }
            }
        }
    }
}
