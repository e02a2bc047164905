package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmKernel.MR;
import static diffusion4j.kernels.cpu.GemmKernel.NR;
import static diffusion4j.kernels.cpu.GemmPacking.panels;

import java.util.Arrays;

/**
 * Single-precision GEMM with the GotoBLAS/BLIS loop nest, the one matrix product every heavy CPU
 * kernel (matmul, conv, attention) runs on.
 *
 * <pre>
 * for jc in N step NC            B block (KC x NC) lives in L3
 *   for pc in K step KC          pack B into NR panels (threads split the panels)
 *     for ic in M step M_CHUNK   pack A into MR panels (threads split the panels)
 *       parallel over (MC block of A, group of B panels):
 *         for jr: for ir: GemmKernel.tile   B panel (KC x NR) stays in L1, A block (MC x KC) in L2
 * </pre>
 * Packing reads any strides, so transposed or broadcast operands are never copied beforehand.
 * Pack buffers belong to the calling thread (ThreadLocal) and are reused across calls; a call made
 * from inside a {@link Parallel} body runs serially on that thread with its own buffers.
 */
public final class Gemm {
    private Gemm() {}

    /** Depth of one packed block: A and B panels of this depth fit L1 (B) and L2 (A block). */
    static final int KC = 256;
    /** Rows of A per compute task: MC x KC floats (96 KiB) sit in a core's L2 with room to spare. */
    static final int MC = 16 * MR;
    /** Columns of B per packed block: KC x NC floats (4 MiB) in the shared L3. */
    static final int NC = NR * Math.max(1, 4096 / NR);
    /** Rows of A packed at once, bounding the shared A buffer (KC x M_CHUNK floats). */
    static final int M_CHUNK = 16 * MC;
    /** Below this many multiply-adds, a product stays on one thread (fork/join would dominate). */
    static final long PARALLEL_WORK = 1L << 20;

    private static final class Buffers {
        float[] a = new float[0], b = new float[0];

        float[] a(int n) {
            return a.length >= n ? a : (a = new float[n]);
        }

        float[] b(int n) {
            return b.length >= n ? b : (b = new float[n]);
        }
    }

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    /**
     * {@code C (+)= A * B} with A (M, K), B (K, N), C (M, N).
     *
     * @param accumulate add to C ({@code +=}); otherwise C is overwritten
     * @param a          element (i, k) at {@code aOff + i*aRowStride + k*aColStride}; not modified
     * @param b          element (k, j) at {@code bOff + k*bRowStride + j*bColStride}; not modified
     * @param c          written: element (i, j) at {@code cOff + i*ldc + j}
     */
    public static void sgemm(boolean accumulate, int M, int N, int K,
                             float[] a, int aOff, int aRowStride, int aColStride,
                             float[] b, int bOff, int bRowStride, int bColStride,
                             float[] c, int cOff, int ldc) {
        if (M <= 0 || N <= 0) return;
        if (K <= 0) {
            if (!accumulate) for (int i = 0; i < M; i++) Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + N, 0f);
            return;
        }
        boolean parallel = (long) M * N * K >= PARALLEL_WORK;
        Buffers buf = BUFFERS.get();
        for (int jc = 0; jc < N; jc += NC) {
            int nc = Math.min(NC, N - jc), nPanels = panels(nc, NR);
            for (int pc = 0; pc < K; pc += KC) {
                int kc = Math.min(KC, K - pc);
                float[] bp = buf.b(nPanels * NR * kc);
                int bBase = bOff + pc * bRowStride + jc * bColStride;
                Parallel.range(nPanels, parallel ? 1 : nPanels, (p0, p1) ->
                        GemmPacking.packBPanels(p0, p1, nc, kc, b, bBase, bRowStride, bColStride, bp, 0));
                boolean acc = accumulate || pc > 0;
                for (int ic = 0; ic < M; ic += M_CHUNK) {
                    int mc = Math.min(M_CHUNK, M - ic), mPanels = panels(mc, MR);
                    float[] ap = buf.a(mPanels * MR * kc);
                    int aBase = aOff + ic * aRowStride + pc * aColStride;
                    Parallel.range(mPanels, parallel ? 1 : mPanels, (p0, p1) ->
                            GemmPacking.packAPanels(p0, p1, mc, kc, a, aBase, aRowStride, aColStride, ap, 0));
                    computeGrid(mc, nc, kc, ap, bp, c, cOff + ic * ldc + jc, ldc, acc, parallel);
                }
            }
        }
    }

    /**
     * Splits one packed (mc x kc) * (kc x nc) product into tasks of one MC block of A times a group
     * of B panels, enough tasks to keep every thread busy even when M is a single block.
     */
    private static void computeGrid(int mc, int nc, int kc, float[] ap, float[] bp, float[] c, int cOff, int ldc,
                                    boolean acc, boolean parallel) {
        int mPanels = panels(mc, MR), nPanels = panels(nc, NR);
        int perBlock = MC / MR, mBlocks = panels(mPanels, perBlock);
        // A multiple of the thread count, so contiguous task ranges hand every thread the same
        // number of tasks (11 blocks on 2 threads would otherwise idle one thread 9% of the time).
        int threads = Parallel.threads();
        int nChunks = parallel ? Math.min(nPanels, threads * panels(panels(4 * threads, mBlocks), threads)) : 1;
        int tasks = mBlocks * nChunks;
        Parallel.range(tasks, parallel ? 1 : tasks, (t0, t1) -> {
            float[] tile = new float[MR * NR];
            for (int t = t0; t < t1; t++) {
                int mb = t / nChunks, ch = t % nChunks;
                int mp0 = mb * perBlock, mp1 = Math.min(mPanels, mp0 + perBlock);
                int np0 = (int) ((long) ch * nPanels / nChunks), np1 = (int) ((long) (ch + 1) * nPanels / nChunks);
                block(mc, nc, kc, ap, 0, MR * kc, bp, 0, NR * kc, c, cOff, ldc, acc, mp0, mp1, np0, np1, tile);
            }
        });
    }

    /**
     * Runs the micro-kernel over A panels {@code [mp0, mp1)} and B panels {@code [np0, np1)} of
     * already packed operands; the caller's thread does all of it. Tiles that overhang the m x n
     * edge go through {@code tile} (MR*NR scratch) and only their valid part reaches C.
     *
     * @param apStride distance between consecutive A panels ({@code MR*kc} when packed densely)
     * @param bpStride distance between consecutive B panels
     * @param c        written (or added to when {@code acc}): rows/cols of the m x n product
     */
    static void block(int m, int n, int kc, float[] ap, int apOff, int apStride, float[] bp, int bpOff, int bpStride,
                      float[] c, int cOff, int ldc, boolean acc, int mp0, int mp1, int np0, int np1, float[] tile) {
        for (int jp = np0; jp < np1; jp++) {
            int j = jp * NR, cols = Math.min(NR, n - j), bo = bpOff + jp * bpStride;
            for (int ip = mp0; ip < mp1; ip++) {
                int i = ip * MR, rows = Math.min(MR, m - i), ao = apOff + ip * apStride, co = cOff + i * ldc + j;
                if (rows == MR && cols == NR) {
                    GemmKernel.tile(kc, ap, ao, bp, bo, c, co, ldc, acc);
                    continue;
                }
                GemmKernel.tile(kc, ap, ao, bp, bo, tile, 0, NR, false);
                for (int r = 0; r < rows; r++) {
                    for (int q = 0, o = co + r * ldc; q < cols; q++) {
                        c[o + q] = acc ? c[o + q] + tile[r * NR + q] : tile[r * NR + q];
                    }
                }
            }
        }
    }
}
