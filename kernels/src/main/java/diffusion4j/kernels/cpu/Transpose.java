package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmKernel.LANES;
import static diffusion4j.kernels.cpu.GemmKernel.SPECIES;

import jdk.incubator.vector.FloatVector;

/**
 * Matrix transpose in registers: for {@link CpuAttentionRows}, which needs K^T and V^T as B operands
 * of its products, and for {@link StridedCopy}'s copies of transposed and permuted views (among them
 * {@link WinogradWeightGrad}'s NHWC copy of dy). Whole 16 x 16 blocks go
 * through four stages, each swapping the off-diagonal s x s sub-blocks of every pair of rows
 * (r, r + s), s = 8, 4, 2, 1, with one two-vector permute per output row ({@code selectFrom(a, b)}):
 * the recursive block transpose. The block is written out so that its 16 rows stay in registers
 * from the loads to the stores; the edges left over go element by element. Measured in a tight
 * loop over the blocks of a 64 x 64 matrix: 37 ns a block, against 90 ns for the same stages
 * looped through a scratch block in memory and 115-125 ns for an element loop. With vectors of
 * other than 16 floats (no AVX-512) every element goes the scalar way. Only data moves, so the
 * result is exact whatever the JIT does.
 */
final class Transpose {
    private Transpose() {}

    /** Rows and columns of a block: the vector width this transpose is written for. */
    static final int BLOCK = 16;
    /**
     * Permute indices per stage s = 8, 4, 2, 1: the "low" row of a pair (r, r + s) takes lane l from
     * a when bit s of l is clear, else lane l - s of b; the "high" row takes lane l + s of a when
     * clear, else lane l of b. Indices at or above BLOCK select from b.
     */
    private static final FloatVector L8 = indices(8, true), H8 = indices(8, false), L4 = indices(4, true), H4 = indices(4, false),
            L2 = indices(2, true), H2 = indices(2, false), L1 = indices(1, true), H1 = indices(1, false);

    private static FloatVector indices(int s, boolean low) {
        float[] idx = new float[BLOCK];
        for (int l = 0; l < BLOCK; l++) {
            boolean clear = (l & s) == 0;
            idx[l] = low ? (clear ? l : BLOCK + l - s) : (clear ? l + s : BLOCK + l);
        }
        return FloatVector.fromArray(SPECIES, idx, 0);
    }

    /** {@code dst[at + c*ld + r] = src[base + r*srcLd + c]} for r < rows, c < cols. */
    static void transpose(float[] src, int base, int srcLd, int rows, int cols, float[] dst, int at, int ld) {
        int rb = LANES == BLOCK ? rows / BLOCK * BLOCK : 0, cb = LANES == BLOCK ? cols / BLOCK * BLOCK : 0;
        for (int r = 0; r < rb; r += BLOCK) {
            for (int c = 0; c < cb; c += BLOCK) block(src, base + r * srcLd + c, srcLd, dst, at + c * ld + r, ld);
        }
        scalar(src, base, 0, rows, cb, cols, srcLd, dst, at, ld); // right edge: columns past the last block
        scalar(src, base, rb, rows, 0, cb, srcLd, dst, at, ld); // bottom edge
    }

    private static void scalar(float[] src, int base, int r0, int r1, int c0, int c1, int srcLd, float[] dst, int at, int ld) {
        for (int c = c0; c < c1; c++) {
            for (int r = r0, o = at + c * ld, s = base + c; r < r1; r++) dst[o + r] = src[s + r * srcLd];
        }
    }

    /** One 16 x 16 block: rows of src from {@code so} at stride {@code sl} to rows of dst from {@code d} at stride {@code dl}. */
    static void block(float[] src, int so, int sl, float[] dst, int d, int dl) {
        block(src, so, sl, BLOCK, dst, d, dl, BLOCK);
    }

    /**
     * The first {@code rows} rows of a 16-column block, transposed into 16 rows of {@code width}
     * values: {@code dst[d + c*dl + r] = src[so + r*sl + c]} for c < 16, r < width, where source
     * rows at or past {@code rows} read as zeros (they are not loaded). {@code width} is 16 (any
     * {@code dl >= 16}) or less with {@code dl == width}: then each of the first 15 rows is stored
     * whole, its last {@code 16 - width} lanes landing on the start of the next row, which the next
     * store then writes (rows go in ascending order), and the last row is stored under a mask, so
     * nothing past {@code dst[d + 15*dl + width - 1]} is written. {@link GemmPacking#packA} writes its MR = 12
     * row panels this way ({@code width = dl = 12}).
     */
    static void block(float[] src, int so, int sl, int rows, float[] dst, int d, int dl, int width) {
        assert width == BLOCK ? dl >= BLOCK : dl == width && width > 0 : "width " + width + ", row stride " + dl;
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector a0 = rows > 0 ? row(src, so, sl, 0) : z, a1 = rows > 1 ? row(src, so, sl, 1) : z;
        FloatVector a2 = rows > 2 ? row(src, so, sl, 2) : z, a3 = rows > 3 ? row(src, so, sl, 3) : z;
        FloatVector a4 = rows > 4 ? row(src, so, sl, 4) : z, a5 = rows > 5 ? row(src, so, sl, 5) : z;
        FloatVector a6 = rows > 6 ? row(src, so, sl, 6) : z, a7 = rows > 7 ? row(src, so, sl, 7) : z;
        FloatVector a8 = rows > 8 ? row(src, so, sl, 8) : z, a9 = rows > 9 ? row(src, so, sl, 9) : z;
        FloatVector a10 = rows > 10 ? row(src, so, sl, 10) : z, a11 = rows > 11 ? row(src, so, sl, 11) : z;
        FloatVector a12 = rows > 12 ? row(src, so, sl, 12) : z, a13 = rows > 13 ? row(src, so, sl, 13) : z;
        FloatVector a14 = rows > 14 ? row(src, so, sl, 14) : z, a15 = rows > 15 ? row(src, so, sl, 15) : z;
        // s = 8: pairs (r, r + 8)
        FloatVector b0 = L8.selectFrom(a0, a8), b8 = H8.selectFrom(a0, a8), b1 = L8.selectFrom(a1, a9), b9 = H8.selectFrom(a1, a9);
        FloatVector b2 = L8.selectFrom(a2, a10), b10 = H8.selectFrom(a2, a10), b3 = L8.selectFrom(a3, a11), b11 = H8.selectFrom(a3, a11);
        FloatVector b4 = L8.selectFrom(a4, a12), b12 = H8.selectFrom(a4, a12), b5 = L8.selectFrom(a5, a13), b13 = H8.selectFrom(a5, a13);
        FloatVector b6 = L8.selectFrom(a6, a14), b14 = H8.selectFrom(a6, a14), b7 = L8.selectFrom(a7, a15), b15 = H8.selectFrom(a7, a15);
        // s = 4: pairs (r, r + 4)
        FloatVector c0 = L4.selectFrom(b0, b4), c4 = H4.selectFrom(b0, b4), c1 = L4.selectFrom(b1, b5), c5 = H4.selectFrom(b1, b5);
        FloatVector c2 = L4.selectFrom(b2, b6), c6 = H4.selectFrom(b2, b6), c3 = L4.selectFrom(b3, b7), c7 = H4.selectFrom(b3, b7);
        FloatVector c8 = L4.selectFrom(b8, b12), c12 = H4.selectFrom(b8, b12), c9 = L4.selectFrom(b9, b13), c13 = H4.selectFrom(b9, b13);
        FloatVector c10 = L4.selectFrom(b10, b14), c14 = H4.selectFrom(b10, b14), c11 = L4.selectFrom(b11, b15), c15 = H4.selectFrom(b11, b15);
        // s = 2: pairs (r, r + 2)
        FloatVector e0 = L2.selectFrom(c0, c2), e2 = H2.selectFrom(c0, c2), e1 = L2.selectFrom(c1, c3), e3 = H2.selectFrom(c1, c3);
        FloatVector e4 = L2.selectFrom(c4, c6), e6 = H2.selectFrom(c4, c6), e5 = L2.selectFrom(c5, c7), e7 = H2.selectFrom(c5, c7);
        FloatVector e8 = L2.selectFrom(c8, c10), e10 = H2.selectFrom(c8, c10), e9 = L2.selectFrom(c9, c11), e11 = H2.selectFrom(c9, c11);
        FloatVector e12 = L2.selectFrom(c12, c14), e14 = H2.selectFrom(c12, c14), e13 = L2.selectFrom(c13, c15), e15 = H2.selectFrom(c13, c15);
        // s = 1: pairs (r, r + 1), stored
        L1.selectFrom(e0, e1).intoArray(dst, d);
        H1.selectFrom(e0, e1).intoArray(dst, d + dl);
        L1.selectFrom(e2, e3).intoArray(dst, d + 2 * dl);
        H1.selectFrom(e2, e3).intoArray(dst, d + 3 * dl);
        L1.selectFrom(e4, e5).intoArray(dst, d + 4 * dl);
        H1.selectFrom(e4, e5).intoArray(dst, d + 5 * dl);
        L1.selectFrom(e6, e7).intoArray(dst, d + 6 * dl);
        H1.selectFrom(e6, e7).intoArray(dst, d + 7 * dl);
        L1.selectFrom(e8, e9).intoArray(dst, d + 8 * dl);
        H1.selectFrom(e8, e9).intoArray(dst, d + 9 * dl);
        L1.selectFrom(e10, e11).intoArray(dst, d + 10 * dl);
        H1.selectFrom(e10, e11).intoArray(dst, d + 11 * dl);
        L1.selectFrom(e12, e13).intoArray(dst, d + 12 * dl);
        H1.selectFrom(e12, e13).intoArray(dst, d + 13 * dl);
        L1.selectFrom(e14, e15).intoArray(dst, d + 14 * dl);
        FloatVector last = H1.selectFrom(e14, e15);
        if (width == BLOCK) last.intoArray(dst, d + 15 * dl);
        else last.intoArray(dst, d + 15 * dl, SPECIES.indexInRange(0, width));
    }

    /**
     * {@code dst[d + r]} = the max (or the sum) of row r of the BLOCK x BLOCK block at {@code src[so]}
     * (row stride BLOCK), for every r: the four stages of {@link #block}, but each pair of rows is
     * folded into one vector, {@code op(low, high)}, instead of both being kept. After stage s = 8
     * a vector holds halves of two rows, after s = 1 lane r holds row r: 15 pairings (30 permutes,
     * 15 ops) in place of 240 scalar steps per block. The sum adds in a fixed tree (lane l with
     * l + 8, then + 4, + 2, + 1), the same in every JIT tier. Only for LANES == BLOCK.
     */
    static void foldRows(float[] src, int so, boolean max, float[] dst, int d) {
        FloatVector b0 = fold(max, L8, H8, row(src, so, BLOCK, 0), row(src, so, BLOCK, 8));
        FloatVector b1 = fold(max, L8, H8, row(src, so, BLOCK, 1), row(src, so, BLOCK, 9));
        FloatVector b2 = fold(max, L8, H8, row(src, so, BLOCK, 2), row(src, so, BLOCK, 10));
        FloatVector b3 = fold(max, L8, H8, row(src, so, BLOCK, 3), row(src, so, BLOCK, 11));
        FloatVector b4 = fold(max, L8, H8, row(src, so, BLOCK, 4), row(src, so, BLOCK, 12));
        FloatVector b5 = fold(max, L8, H8, row(src, so, BLOCK, 5), row(src, so, BLOCK, 13));
        FloatVector b6 = fold(max, L8, H8, row(src, so, BLOCK, 6), row(src, so, BLOCK, 14));
        FloatVector b7 = fold(max, L8, H8, row(src, so, BLOCK, 7), row(src, so, BLOCK, 15));
        FloatVector c0 = fold(max, L4, H4, b0, b4), c1 = fold(max, L4, H4, b1, b5);
        FloatVector c2 = fold(max, L4, H4, b2, b6), c3 = fold(max, L4, H4, b3, b7);
        FloatVector e0 = fold(max, L2, H2, c0, c2), e1 = fold(max, L2, H2, c1, c3);
        fold(max, L1, H1, e0, e1).intoArray(dst, d);
    }

    /** One pairing of {@link #foldRows}: the low and high rows of (a, b) at one stage, combined. */
    private static FloatVector fold(boolean max, FloatVector lo, FloatVector hi, FloatVector a, FloatVector b) {
        FloatVector x = lo.selectFrom(a, b), y = hi.selectFrom(a, b);
        return max ? x.max(y) : x.add(y);
    }

    private static FloatVector row(float[] src, int so, int sl, int r) {
        return FloatVector.fromArray(SPECIES, src, so + r * sl);
    }
}
