package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmKernel.LANES;
import static diffusion4j.kernels.cpu.GemmKernel.NR;
import static diffusion4j.kernels.cpu.GemmKernel.SPECIES;

import jdk.incubator.vector.FloatVector;

/**
 * An 8 x NR companion to {@link GemmKernel}'s 12 x NR micro-kernel, for the convolutions' last A
 * panels: 64 output channels are 4 x 12 + 2 x 8 rows instead of 6 x 12 = 72 (11% of the
 * micro-kernel's fmas on zero rows), 256 are 20 x 12 + 2 x 8 instead of 264. Same packed-B panel
 * (NR values per k); the A panel holds 8 values per k. 16 accumulators, two B vectors and one
 * broadcast: 8 fmas per B load pair against 12, which costs a little per fma, far less than
 * computing 8 zero rows out of 72.
 *
 * <p>Every element is summed exactly as {@link GemmKernel#tile} sums it (one fma chain from zero,
 * k ascending, then {@code + C} when accumulating), so a row gives the same bits in either kernel.
 * Written out by hand for the same reason as {@link GemmKernel}: C2 keeps named vector locals in
 * registers, never arrays of them.
 */
final class ConvKernel8 {
    private ConvKernel8() {}

    /** Rows of this tile. */
    static final int MR8 = 8;

    /**
     * {@code c[co + i*ldc + j] (+)= sum_p a[ao + p*8 + i] * b[bo + p*NR + j]} for i < 8, j < NR.
     *
     * @param kc  depth of the panels
     * @param acc add to C ({@code +=}) rather than overwrite it
     * @param c   written: a full 8 x NR tile at {@code co} with row stride {@code ldc}
     */
    static void tile(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc, boolean acc) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * MR8, bi = bo + p * NR;
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
            c10 = c10.add(FloatVector.fromArray(SPECIES, c, co + 1 * ldc));
            c11 = c11.add(FloatVector.fromArray(SPECIES, c, co + 1 * ldc + LANES));
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
        c10.intoArray(c, co + 1 * ldc);
        c11.intoArray(c, co + 1 * ldc + LANES);
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
