package diffusion4j.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked SGEMM micro-kernel (BLIS's "gemm ukernel"): one MR x NR tile of C from an
 * MR-row panel of packed A and an NR-column panel of packed B. The tile is 6 rows by two vectors:
 * twelve accumulators plus two B vectors and one broadcast A value stay in registers on every
 * x86 width (16 registers for SSE/AVX2, 32 for AVX-512), so C2 never spills inside the k loop.
 * Per k step: 2 vector loads, 6 scalar broadcasts, 12 fmas; with fma latency 4 and two pipes
 * that keeps the fma units busy.
 *
 * <p>Packed layouts (written by {@link GemmPacking}): A panel, for each k, MR consecutive values of
 * column k (rows beyond the matrix are 0); B panel, for each k, NR consecutive values of row k.
 */
final class GemmKernel {
    private GemmKernel() {}

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    /** Rows of the register tile. */
    static final int MR = 6;
    /** Columns of the register tile: two vectors. */
    static final int NR = 2 * LANES;

    /**
     * {@code c[co + i*ldc + j] (+)= sum_p a[ao + p*MR + i] * b[bo + p*NR + j]} for i < MR, j < NR.
     *
     * @param kc  depth of the panels
     * @param acc add to C ({@code +=}) rather than overwrite it
     * @param c   written: a full MR x NR tile at {@code co} with row stride {@code ldc}
     */
    static void tile(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc, boolean acc) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++, ao += MR, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bo);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bo + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, a[ao]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, a[ao + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, a[ao + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, a[ao + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SPECIES, a[ao + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SPECIES, a[ao + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        store(c00, c01, c, co, acc);
        store(c10, c11, c, co + ldc, acc);
        store(c20, c21, c, co + 2 * ldc, acc);
        store(c30, c31, c, co + 3 * ldc, acc);
        store(c40, c41, c, co + 4 * ldc, acc);
        store(c50, c51, c, co + 5 * ldc, acc);
    }

    private static void store(FloatVector v0, FloatVector v1, float[] c, int o, boolean acc) {
        if (acc) {
            v0 = v0.add(FloatVector.fromArray(SPECIES, c, o));
            v1 = v1.add(FloatVector.fromArray(SPECIES, c, o + LANES));
        }
        v0.intoArray(c, o);
        v1.intoArray(c, o + LANES);
    }
}
