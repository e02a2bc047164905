package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmKernel.LANES;
import static diffusion4j.kernels.cpu.GemmKernel.NR;
import static diffusion4j.kernels.cpu.GemmKernel.SPECIES;

import jdk.incubator.vector.FloatVector;

/**
 * Small products for {@link CpuAttentionRows} on unpacked operands: an 8 x NR register tile (8 rows
 * by two vectors, 16 accumulators) that broadcasts A in place and streams B rows in place. The
 * convolutions use {@link #tileTN} too, for their 8-row packed panels ({@link ConvRows}): such a
 * panel is A^T with row stride 8, and the B panel rows have stride NR.
 * Attention's matrices are a few KiB and sit in L1 the whole time, so packing them (as
 * {@link Gemm} does, to keep big operands streaming from cache) costs more than it saves: in a
 * profile of the packed flash path at L = D = 64, packing took longer than the micro-kernel.
 * Eight rows rather than GemmKernel's twelve because attention's sizes (16, 32, 64, 256) are
 * multiples of 8 and not of 12, so no rows are wasted on padding; 16 independent fma chains still
 * cover the fma latency times both pipes twice.
 *
 * <p>The two forms attention needs, {@code A B} ({@link #nn}) and {@code A^T B} ({@link #tn}), are
 * two kernels rather than one with A's strides as arguments: C2 only removes the range checks of
 * the A loads when the stride along k (nn) or along the rows (tn) is a constant, and one kernel
 * with both strides variable ran at 140-170 GFLOP/s in L1 where these two run at 190 and 210
 * (one core, 64 x 64 x 64). {@code A B} goes on a 4 x 4-vector tile where the columns allow
 * ({@link #tileNNWide}): eight A rows at a variable stride cost the 8 x NR form about a fifth of
 * its speed. The bodies stay written out: C2 keeps named {@code FloatVector}
 * locals in registers only when nothing is factored into calls (see {@link GemmKernel}).
 */
final class AttentionTile {
    private AttentionTile() {}

    /** Rows of the register tile. */
    static final int TR = 8;
    /** Columns and rows of {@link #nn}'s wide tile: four vectors by four rows. */
    static final int WIDE = 4 * LANES, WIDE_ROWS = 4;

    /**
     * {@code C (+)= A B} over whole tiles: rows {@code [0, m)}, columns {@code [0, n)}; WIDE columns
     * at a time on {@link #tileNNWide} while they last, the rest NR at a time on {@link #tileNN}.
     *
     * @param m a multiple of {@link #TR}; A's rows up to m are read (callers pad)
     * @param n a multiple of NR; B's columns up to n are read (callers pad)
     * @param a (m, kc) row-major with row stride {@code lda} from {@code ao}; not modified
     * @param b (kc, n) row-major with row stride {@code ldb} from {@code bo}; not modified
     * @param c written (added to when {@code acc}): (m, n) with row stride {@code ldc} from {@code co}
     */
    static void nn(int m, int n, int kc, float[] a, int ao, int lda, float[] b, int bo, int ldb,
                   float[] c, int co, int ldc, boolean acc) {
        int j = 0;
        for (; j + WIDE <= n; j += WIDE) {
            for (int i = 0; i < m; i += WIDE_ROWS) tileNNWide(kc, a, ao + i * lda, lda, b, bo + j, ldb, NR, c, co + i * ldc + j, ldc, acc);
        }
        for (; j < n; j += NR) {
            for (int i = 0; i < m; i += TR) tileNN(kc, a, ao + i * lda, lda, b, bo + j, ldb, c, co + i * ldc + j, ldc, acc);
        }
    }

    /**
     * {@code C (+)= A^T B} over whole tiles, as {@link #nn} but with {@code a} (kc, m) row-major
     * (row stride {@code lda}): element (i, p) of A^T at {@code ao + p*lda + i}.
     */
    static void tn(int m, int n, int kc, float[] a, int ao, int lda, float[] b, int bo, int ldb,
                   float[] c, int co, int ldc, boolean acc) {
        for (int j = 0; j < n; j += NR) {
            for (int i = 0; i < m; i += TR) tileTN(kc, a, ao + i, lda, b, bo + j, ldb, c, co + i * ldc + j, ldc, acc);
        }
    }

    /** One TR x NR tile of {@link #nn}: k ascending, then added to C when {@code acc}. */
    static void tileNN(int kc, float[] a, int ao, int lda, float[] b, int bo, int ldb,
                       float[] c, int co, int ldc, boolean acc) {
        if (GemmKernel.REGISTERS < 32) { // 19 registers would spill on AVX2: two strips of four rows, same sums
            rows4NN(kc, a, ao, lda, b, bo, ldb, c, co, ldc, acc);
            rows4NN(kc, a, ao + 4 * lda, lda, b, bo, ldb, c, co + 4 * ldc, ldc, acc);
            return;
        }
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        int r1 = lda, r2 = 2 * lda, r3 = 3 * lda, r4 = 4 * lda, r5 = 5 * lda, r6 = 6 * lda, r7 = 7 * lda;
        for (int p = 0; p < kc; p++) {
            int ai = ao + p, bi = bo + p * ldb;
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, a[ai + r1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, a[ai + r2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, a[ai + r3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SPECIES, a[ai + r4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SPECIES, a[ai + r5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(SPECIES, a[ai + r6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(SPECIES, a[ai + r7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        if (acc) {
            c00 = c00.add(FloatVector.fromArray(SPECIES, c, co));
            c01 = c01.add(FloatVector.fromArray(SPECIES, c, co + LANES));
            c10 = c10.add(FloatVector.fromArray(SPECIES, c, co + ldc));
            c11 = c11.add(FloatVector.fromArray(SPECIES, c, co + ldc + LANES));
            c20 = c20.add(FloatVector.fromArray(SPECIES, c, co + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(SPECIES, c, co + 2 * ldc + LANES));
            c30 = c30.add(FloatVector.fromArray(SPECIES, c, co + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(SPECIES, c, co + 3 * ldc + LANES));
            c40 = c40.add(FloatVector.fromArray(SPECIES, c, co + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(SPECIES, c, co + 4 * ldc + LANES));
            c50 = c50.add(FloatVector.fromArray(SPECIES, c, co + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(SPECIES, c, co + 5 * ldc + LANES));
            c60 = c60.add(FloatVector.fromArray(SPECIES, c, co + 6 * ldc));
            c61 = c61.add(FloatVector.fromArray(SPECIES, c, co + 6 * ldc + LANES));
            c70 = c70.add(FloatVector.fromArray(SPECIES, c, co + 7 * ldc));
            c71 = c71.add(FloatVector.fromArray(SPECIES, c, co + 7 * ldc + LANES));
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + LANES);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + LANES);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + LANES);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + LANES);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + LANES);
        c50.intoArray(c, co + 5 * ldc);
        c51.intoArray(c, co + 5 * ldc + LANES);
        c60.intoArray(c, co + 6 * ldc);
        c61.intoArray(c, co + 6 * ldc + LANES);
        c70.intoArray(c, co + 7 * ldc);
        c71.intoArray(c, co + 7 * ldc + LANES);
    }

    /**
     * One WIDE_ROWS x WIDE tile of {@link #nn}: k ascending, then added to C when {@code acc} (the same
     * sums in the same order as {@link #tileNN}). Each step loads four B vectors and broadcasts four
     * A elements for 16 fmas, where the 8 x NR tile loads two and broadcasts eight: fewer loads per
     * fma and four A rows to address instead of eight. At 64 x 64 x 64 in L1, one core, it ran at
     * 217-222 GFLOP/s (the FMA peak) against 173-179 for the 8 x NR tile. The tile's B columns are
     * two NR-wide halves, the second {@code half} floats after the first: NR for a row-major B, or
     * one packed panel's size for B in NR-wide panels ({@link WinogradWeightGrad}).
     */
    static void tileNNWide(int kc, float[] a, int ao, int lda, float[] b, int bo, int ldb, int half,
                           float[] c, int co, int ldc, boolean acc) {
        if (GemmKernel.REGISTERS < 32) { // 21 registers would spill on AVX2: the two column halves apart, same sums
            rows4NN(kc, a, ao, lda, b, bo, ldb, c, co, ldc, acc);
            rows4NN(kc, a, ao, lda, b, bo + half, ldb, c, co + NR, ldc, acc);
            return;
        }
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
        int r1 = lda, r2 = 2 * lda, r3 = 3 * lda, v1 = LANES, v2 = 2 * LANES, v3 = 3 * LANES, h1 = half + LANES;
        for (int p = 0; p < kc; p++) {
            int ai = ao + p, bi = bo + p * ldb;
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + v1);
            FloatVector b2 = FloatVector.fromArray(SPECIES, b, bi + half);
            FloatVector b3 = FloatVector.fromArray(SPECIES, b, bi + h1);
            FloatVector x = FloatVector.broadcast(SPECIES, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(SPECIES, a[ai + r1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(SPECIES, a[ai + r2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(SPECIES, a[ai + r3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
        }
        int d1 = ldc, d2 = 2 * ldc, d3 = 3 * ldc;
        if (acc) {
            c00 = c00.add(FloatVector.fromArray(SPECIES, c, co));
            c01 = c01.add(FloatVector.fromArray(SPECIES, c, co + v1));
            c02 = c02.add(FloatVector.fromArray(SPECIES, c, co + v2));
            c03 = c03.add(FloatVector.fromArray(SPECIES, c, co + v3));
            c10 = c10.add(FloatVector.fromArray(SPECIES, c, co + d1));
            c11 = c11.add(FloatVector.fromArray(SPECIES, c, co + d1 + v1));
            c12 = c12.add(FloatVector.fromArray(SPECIES, c, co + d1 + v2));
            c13 = c13.add(FloatVector.fromArray(SPECIES, c, co + d1 + v3));
            c20 = c20.add(FloatVector.fromArray(SPECIES, c, co + d2));
            c21 = c21.add(FloatVector.fromArray(SPECIES, c, co + d2 + v1));
            c22 = c22.add(FloatVector.fromArray(SPECIES, c, co + d2 + v2));
            c23 = c23.add(FloatVector.fromArray(SPECIES, c, co + d2 + v3));
            c30 = c30.add(FloatVector.fromArray(SPECIES, c, co + d3));
            c31 = c31.add(FloatVector.fromArray(SPECIES, c, co + d3 + v1));
            c32 = c32.add(FloatVector.fromArray(SPECIES, c, co + d3 + v2));
            c33 = c33.add(FloatVector.fromArray(SPECIES, c, co + d3 + v3));
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + v1);
        c02.intoArray(c, co + v2);
        c03.intoArray(c, co + v3);
        c10.intoArray(c, co + d1);
        c11.intoArray(c, co + d1 + v1);
        c12.intoArray(c, co + d1 + v2);
        c13.intoArray(c, co + d1 + v3);
        c20.intoArray(c, co + d2);
        c21.intoArray(c, co + d2 + v1);
        c22.intoArray(c, co + d2 + v2);
        c23.intoArray(c, co + d2 + v3);
        c30.intoArray(c, co + d3);
        c31.intoArray(c, co + d3 + v1);
        c32.intoArray(c, co + d3 + v2);
        c33.intoArray(c, co + d3 + v3);
    }

    /**
     * Four rows by NR of {@link #nn} (8 accumulators, 11 registers), for 16-register targets
     * ({@link GemmKernel#REGISTERS}): each element summed as {@link #tileNN} sums it. The A^T form is
     * {@link GemmKernel#rows4}; one strip with both of A's strides variable would lose the range-check
     * elimination that keeps these two apart (see above), so it is written out twice.
     */
    static void rows4NN(int kc, float[] a, int ao, int lda, float[] b, int bo, int ldb,
                        float[] c, int co, int ldc, boolean acc) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        int r1 = lda, r2 = 2 * lda, r3 = 3 * lda;
        for (int p = 0; p < kc; p++) {
            int ai = ao + p, bi = bo + p * ldb;
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, a[ai + r1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, a[ai + r2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, a[ai + r3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        if (acc) {
            c00 = c00.add(FloatVector.fromArray(SPECIES, c, co));
            c01 = c01.add(FloatVector.fromArray(SPECIES, c, co + LANES));
            c10 = c10.add(FloatVector.fromArray(SPECIES, c, co + ldc));
            c11 = c11.add(FloatVector.fromArray(SPECIES, c, co + ldc + LANES));
            c20 = c20.add(FloatVector.fromArray(SPECIES, c, co + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(SPECIES, c, co + 2 * ldc + LANES));
            c30 = c30.add(FloatVector.fromArray(SPECIES, c, co + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(SPECIES, c, co + 3 * ldc + LANES));
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + LANES);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + LANES);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + LANES);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + LANES);
    }

    /** One TR x NR tile of {@link #tn}: k ascending, then added to C when {@code acc}. */
    static void tileTN(int kc, float[] a, int ao, int lda, float[] b, int bo, int ldb,
                       float[] c, int co, int ldc, boolean acc) {
        if (GemmKernel.REGISTERS < 32) { // 19 registers would spill on AVX2: two strips of four rows, same sums
            GemmKernel.rows4(kc, a, ao, lda, b, bo, ldb, c, co, ldc, acc);
            GemmKernel.rows4(kc, a, ao + 4, lda, b, bo, ldb, c, co + 4 * ldc, ldc, acc);
            return;
        }
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * lda, bi = bo + p * ldb;
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, a[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, a[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, a[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SPECIES, a[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SPECIES, a[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(SPECIES, a[ai + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(SPECIES, a[ai + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        if (acc) {
            c00 = c00.add(FloatVector.fromArray(SPECIES, c, co));
            c01 = c01.add(FloatVector.fromArray(SPECIES, c, co + LANES));
            c10 = c10.add(FloatVector.fromArray(SPECIES, c, co + ldc));
            c11 = c11.add(FloatVector.fromArray(SPECIES, c, co + ldc + LANES));
            c20 = c20.add(FloatVector.fromArray(SPECIES, c, co + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(SPECIES, c, co + 2 * ldc + LANES));
            c30 = c30.add(FloatVector.fromArray(SPECIES, c, co + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(SPECIES, c, co + 3 * ldc + LANES));
            c40 = c40.add(FloatVector.fromArray(SPECIES, c, co + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(SPECIES, c, co + 4 * ldc + LANES));
            c50 = c50.add(FloatVector.fromArray(SPECIES, c, co + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(SPECIES, c, co + 5 * ldc + LANES));
            c60 = c60.add(FloatVector.fromArray(SPECIES, c, co + 6 * ldc));
            c61 = c61.add(FloatVector.fromArray(SPECIES, c, co + 6 * ldc + LANES));
            c70 = c70.add(FloatVector.fromArray(SPECIES, c, co + 7 * ldc));
            c71 = c71.add(FloatVector.fromArray(SPECIES, c, co + 7 * ldc + LANES));
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + LANES);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + LANES);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + LANES);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + LANES);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + LANES);
        c50.intoArray(c, co + 5 * ldc);
        c51.intoArray(c, co + 5 * ldc + LANES);
        c60.intoArray(c, co + 6 * ldc);
        c61.intoArray(c, co + 6 * ldc + LANES);
        c70.intoArray(c, co + 7 * ldc);
        c71.intoArray(c, co + 7 * ldc + LANES);
    }
}
