package diffusion4j.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked SGEMM micro-kernel (BLIS's "gemm ukernel"): one MR x NR tile of C from an
 * MR-row panel of packed A and an NR-column panel of packed B. The tile is 12 rows by two vectors:
 * 24 accumulators, two B vectors and one broadcast A value, 27 of AVX-512's 32 registers, so C2
 * can keep the whole tile in registers (not checked in the assembly: no hsdis here; the L1 timing
 * below is at the core's fma peak, which spills would prevent). Per k step: 2 vector loads,
 * 12 broadcast loads, 24 fmas: twice the fmas per B load of a 6 x 2 tile, and 24 independent
 * chains cover the fma latency (4) times the two fma pipes three times over. The rows are written out by hand, not
 * looped over: C2 keeps named {@code FloatVector} locals in registers, never arrays of them.
 * In L1 on one Zen 5 core: 12 x 2 about 220-227 GFLOP/s, 6 x 2 205-225, 14 x 2 (28 accumulators)
 * about 200.
 *
 * <p>x86 without AVX-512 (AVX2: Zen 1-3, most Intel client chips) has 16 vector registers, where the
 * 27 of this tile spill (the JVM run with {@code -XX:UseAVX=2} on the Zen 5: GEMM 2048 142-155 ms
 * against 83-88 ms at the same 256-bit width with 32 registers, 88-90 ms with the strips). There
 * {@link #tile} runs the same 12 rows as three {@link #rows4} strips of 8 accumulators each,
 * reading the B panel three times from L1; every element is still summed in the same order, so
 * the two forms give the same bits.
 *
 * <p>The k loop indexes both panels from the loop counter ({@code ao + p*MR}, {@code bo + p*NR}),
 * the form C2's range-check elimination recognises. C is read only after the k loop
 * ({@code sum + C}), so a cache miss on C does not hold up the fma chains (starting the
 * accumulators from C instead measured 2-3% slower, within the noise of the shared machine).
 * The method has to stay under C2's inlining node budget (NodeCountInliningCutoff): with the
 * C update factored into a helper called per row, the helper calls were not inlined, the
 * accumulators were boxed and the kernel ran at 13 GFLOP/s.
 *
 * <p>Packed layouts (written by {@link GemmPacking}): A panel, for each k, MR consecutive values of
 * column k (rows beyond the matrix are 0); B panel, for each k, NR consecutive values of row k.
 */
final class GemmKernel {
    private GemmKernel() {}

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    /** Rows of the register tile. */
    static final int MR = 12;
    /** Columns of the register tile: two vectors. */
    static final int NR = 2 * LANES;
    /**
     * Vector registers the JIT can allocate: 32 on x86 with AVX-512 and on AArch64, 16 on x86
     * without it (HotSpot's {@code UseAVX} below 3, which it lowers itself on a CPU without
     * AVX-512). System property {@code diffusion4j.cpu.vectorRegisters} overrides, for tests and tuning.
     */
    static final int REGISTERS = registers(System.getProperty("os.arch", ""), System.getProperty("diffusion4j.cpu.vectorRegisters"),
            VectorSelfCheck.vmOption("UseAVX"));

    /** {@link #REGISTERS} from the architecture, the override (or null) and HotSpot's UseAVX value (or null). */
    static int registers(String arch, String override, String useAvx) {
        if (override != null) {
            int r;
            try {
                r = Integer.parseInt(override.trim());
            } catch (NumberFormatException e) {
                r = -1;
            }
            if (r != 16 && r != 32) {
                throw new IllegalArgumentException("diffusion4j.cpu.vectorRegisters must be 16 or 32, got '" + override + "'");
            }
            return r;
        }
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x86");
        if (!x86) return 32;
        try {
            return useAvx != null && Integer.parseInt(useAvx.trim()) >= 3 ? 32 : 16;
        } catch (NumberFormatException e) {
            return 16;
        }
    }

    /**
     * {@code c[co + i*ldc + j] (+)= sum_p a[ao + p*MR + i] * b[bo + p*NR + j]} for i < MR, j < NR.
     *
     * @param kc  depth of the panels
     * @param acc add to C ({@code +=}) rather than overwrite it
     * @param c   written: a full MR x NR tile at {@code co} with row stride {@code ldc}
     */
    static void tile(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc, boolean acc) {
        if (REGISTERS >= 32) {
            tile12(kc, a, ao, b, bo, c, co, ldc, acc);
        } else {
            for (int r = 0; r < MR; r += 4) rows4(kc, a, ao + r, MR, b, bo, NR, c, co + r * ldc, ldc, acc);
        }
    }

    /** {@link #tile} in 27 registers (24 accumulators): the form for 32-register targets. */
    static void tile12(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc, boolean acc) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        FloatVector c80 = z, c81 = z, c90 = z, c91 = z, c100 = z, c101 = z, c110 = z, c111 = z;
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * MR, bi = bo + p * NR;
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
            x = FloatVector.broadcast(SPECIES, a[ai + 8]);
            c80 = x.fma(b0, c80);
            c81 = x.fma(b1, c81);
            x = FloatVector.broadcast(SPECIES, a[ai + 9]);
            c90 = x.fma(b0, c90);
            c91 = x.fma(b1, c91);
            x = FloatVector.broadcast(SPECIES, a[ai + 10]);
            c100 = x.fma(b0, c100);
            c101 = x.fma(b1, c101);
            x = FloatVector.broadcast(SPECIES, a[ai + 11]);
            c110 = x.fma(b0, c110);
            c111 = x.fma(b1, c111);
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
            c80 = c80.add(FloatVector.fromArray(SPECIES, c, co + 8 * ldc));
            c81 = c81.add(FloatVector.fromArray(SPECIES, c, co + 8 * ldc + LANES));
            c90 = c90.add(FloatVector.fromArray(SPECIES, c, co + 9 * ldc));
            c91 = c91.add(FloatVector.fromArray(SPECIES, c, co + 9 * ldc + LANES));
            c100 = c100.add(FloatVector.fromArray(SPECIES, c, co + 10 * ldc));
            c101 = c101.add(FloatVector.fromArray(SPECIES, c, co + 10 * ldc + LANES));
            c110 = c110.add(FloatVector.fromArray(SPECIES, c, co + 11 * ldc));
            c111 = c111.add(FloatVector.fromArray(SPECIES, c, co + 11 * ldc + LANES));
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
        c80.intoArray(c, co + 8 * ldc);
        c81.intoArray(c, co + 8 * ldc + LANES);
        c90.intoArray(c, co + 9 * ldc);
        c91.intoArray(c, co + 9 * ldc + LANES);
        c100.intoArray(c, co + 10 * ldc);
        c101.intoArray(c, co + 10 * ldc + LANES);
        c110.intoArray(c, co + 11 * ldc);
        c111.intoArray(c, co + 11 * ldc + LANES);
    }

    /**
     * Four rows by two vectors (8 accumulators, 11 registers): {@code c[co + i*ldc + j] (+)=
     * sum_p a[ao + p*lda + i] * b[bo + p*ldb + j]} for i < 4, j < NR, k ascending and then added to
     * C, as {@link #tile12} sums each element. A is read transposed (its four values for one k are
     * adjacent), as in a packed panel ({@code lda = MR}) or {@link AttentionTile#tileTN}'s A^T.
     */
    static void rows4(int kc, float[] a, int ao, int lda, float[] b, int bo, int ldb, float[] c, int co, int ldc, boolean acc) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
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
}
