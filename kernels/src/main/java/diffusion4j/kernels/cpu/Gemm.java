package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmKernel.MR;
import static diffusion4j.kernels.cpu.GemmKernel.NR;
import static diffusion4j.kernels.cpu.GemmPacking.panels;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * Single-precision GEMM with the GotoBLAS/BLIS loop nest, the one matrix product every heavy CPU
 * kernel (matmul, conv, attention) runs on.
 *
 * <pre>
 * serial:                          parallel:
 * for jc in N step NC              for jc in N step ncShared      slab of B, all of K (up to 16 MiB)
 *   for pc in K step KC              pack the slab once (threads take groups of NR panels)
 *     pack B (KC x NC)               threads take tasks (row block [x column chunk]) as they go:
 *     for ic in M step MC              for pc in K step KC: pack A (rows x KC), then
 *       pack A (MC x KC)                 for jr: for ir: GemmKernel.tile
 *       for jr: for ir: GemmKernel.tile
 * </pre>
 * With KC = 1024 the A block (MC x KC, 480 KiB) and the B micro-panel being reused (KC x NR,
 * 128 KiB) sit in the 1 MiB L2, and A micro-panels (MR x KC) stream through L1. The B micro-panel
 * comes from L3 once per row block, which is what a row block on packed data loses most to
 * (n = 2048: all of B's panels about 177-207 GFLOP/s per core, one panel reused from L2 213-227,
 * the same as the micro-kernel in L1); hence {@link #MC_LARGE} row blocks when M is large.
 *
 * <p>A parallel product forks twice (pack B, compute) and has no barrier between tasks: a thread
 * that loses its core to another process just takes fewer tasks. Which thread computes a task
 * does not change its arithmetic: every element of C is summed in the same order (KC blocks in
 * ascending order, k ascending inside the micro-kernel, then added to C) on any thread count and
 * any schedule, so results are bitwise reproducible and identical to the serial path
 * ({@code CpuMatmulTest.parallelPathBitwiseEqualsSerialSlices}).
 * Packing reads any strides, so transposed or broadcast operands are never copied beforehand.
 * Pack buffers belong to the calling thread (ThreadLocal) and are reused across calls; a call made
 * from inside a {@link Parallel} body runs serially on that thread with its own buffers.
 */
public final class Gemm {
    private Gemm() {}

    // Block sizes for Zen 5 (48 KiB L1d, 1 MiB L2 per core, 32 MiB L3); the system properties
    // exist for tuning runs only. KC is deep on purpose: every KC block is one more pass of
    // loading and storing all of C (a cache miss per tile row), and on this machine L2 feeds the
    // B micro-panel fast enough. Paired A/B runs (docs/performance-history.md, GEMM): KC 512 beat 256 by
    // about 5%, 768 beat 512 by 5%, 1024 beat 768 by 7-14%; 2048 was no better than 1024.
    // MC 60 / 240 measured within noise of 120.

    /** Depth of one packed block: A block (MC x KC, 480 KiB) and a B micro-panel (KC x NR, 128 KiB) in L2. */
    static final int KC = Math.max(1, Integer.getInteger("diffusion4j.gemm.kc", 1024));
    /** Rows of A per packed block; also the parallel grain. */
    static final int MC = MR * Math.max(1, Integer.getInteger("diffusion4j.gemm.mc", 120) / MR);
    /**
     * Parallel path: rows of A per block when M allows at least four such blocks per thread. Every
     * row block streams all of B's KC block from L3 once (8 MiB at n = 2048), so twice the rows
     * per block halve that stream; the A block (960 KiB) then overflows L2 a little, which costs
     * less (one row block on packed data at n = 2048: MC 120 about 177, 180 about 185, 240 about
     * 188 GFLOP/s per core; whole product at 2048, CPU time per call, 1.03-1.07x). With fewer rows
     * the doubled blocks would be cut into column chunks that each repack A (1024: 0.96-0.98x).
     */
    static final int MC_LARGE = MR * Math.max(1, Integer.getInteger("diffusion4j.gemm.mcLarge", 240) / MR);
    /** Serial path: columns of B per packed block, KC x NC floats (4 MiB) in L3. */
    static final int NC = NR * Math.max(1, Integer.getInteger("diffusion4j.gemm.nc", (1 << 20) / KC) / NR);
    /** Parallel path: floats of B packed at once (K x ncShared), shared by the threads (16 MiB). */
    static final int SHARED_B = 1 << 22;
    /** Most B panels per packing task in the parallel path. */
    private static final int PACK_GROUP = 8;
    /** Below this many multiply-adds, a product stays on one thread (fork/join would dominate). */
    static final long PARALLEL_WORK = 1L << 20;

    private static final class Buffers {
        float[] a = new float[0], b = new float[0];
        final float[] tile = new float[MR * NR];

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
        product(accumulate, M, N, K, a, aOff, aRowStride, aColStride, b, bOff, bRowStride, bColStride, c, null, cOff, ldc);
    }

    /**
     * {@code C = A * B} into an array that {@code output} allocates: the product {@link #sgemm}
     * computes with {@code accumulate} false, but in the parallel path {@code output} runs on the
     * calling thread while the other threads start packing B. The JVM zeroes a new array on the
     * thread that allocates it (a 2048 x 2048 output: about 0.9 ms of CPU, against 0.2 ms for
     * 1024 x 1024), so a caller that allocated first would leave the other core idle meanwhile.
     *
     * @param output called exactly once, before anything is written to C; returns C, with room for
     *               element (i, j) at {@code cOff + i*ldc + j}
     * @return the array {@code output} returned, written as {@link #sgemm} writes {@code c}
     */
    public static float[] sgemm(Supplier<float[]> output, int M, int N, int K,
                                float[] a, int aOff, int aRowStride, int aColStride,
                                float[] b, int bOff, int bRowStride, int bColStride, int cOff, int ldc) {
        return product(false, M, N, K, a, aOff, aRowStride, aColStride, b, bOff, bRowStride, bColStride, null, output, cOff, ldc);
    }

    /** Both {@code sgemm}s: C is {@code c}, or (when that is null) comes from {@code output}. */
    private static float[] product(boolean accumulate, int M, int N, int K,
                                   float[] a, int aOff, int aRowStride, int aColStride,
                                   float[] b, int bOff, int bRowStride, int bColStride,
                                   float[] c, Supplier<float[]> output, int cOff, int ldc) {
        int threads = Parallel.threads();
        boolean parallel = M > 0 && N > 0 && K > 0 && (long) M * N * K >= PARALLEL_WORK && threads > 1;
        if (!parallel) {
            if (c == null) c = output.get();
            if (M <= 0 || N <= 0) return c;
            if (K <= 0) {
                if (!accumulate) for (int i = 0; i < M; i++) Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + N, 0f);
                return c;
            }
            serial(accumulate, M, N, K, a, aOff, aRowStride, aColStride, b, bOff, bRowStride, bColStride, c, cOff, ldc);
            return c;
        }
        float[][] out = {c};
        Buffers buf = BUFFERS.get();
        int ncShared = Math.max(NR, Math.min(panels(N, NR), SHARED_B / (NR * K)) * NR);
        // Row blocks of at most MC (or MC_LARGE) rows, as many as a multiple of the thread count,
        // sizes within one panel of each other: 1024 rows as 8 blocks of 120 and one of 64 would
        // leave one thread about 6% more work than the other.
        int mPanels = panels(M, MR);
        int blockPanels = mPanels >= 4 * threads * (MC_LARGE / MR) ? MC_LARGE / MR : MC / MR;
        int mBlocks = Math.min(mPanels, threads * panels(mPanels, threads * blockPanels));
        if (mBlocks < 4 * threads && ncShared >= N && (long) mPanels * MR * K <= SHARED_B) {
            return fewRows(accumulate, M, N, K, a, aOff, aRowStride, aColStride, b, bOff, bRowStride, bColStride, c, output, cOff, ldc);
        }
        for (int jc = 0; jc < N; jc += ncShared) {
            int nc = Math.min(ncShared, N - jc), nPanels = panels(nc, NR);
            float[] bp = buf.b(nPanels * NR * K);
            int bBase = bOff + jc * bColStride;
            // Up to PACK_GROUP panels per packing task (longer row runs read from B), at least
            // four tasks per thread while there are enough panels.
            int group = Math.max(1, Math.min(PACK_GROUP, nPanels / (4 * threads))), groups = panels(nPanels, group);
            dynamic(groups, out[0] != null ? null : () -> out[0] = output.get(), g -> {
                int p0 = g * group, p1 = Math.min(nPanels, p0 + group);
                for (int pc = 0; pc < K; pc += KC) {
                    GemmPacking.packBPanels(p0, p1, nc, Math.min(KC, K - pc), b, bBase + pc * bRowStride,
                            bRowStride, bColStride, bp, pc * nPanels * NR);
                }
            });
            // Few row blocks (small M): also cut the columns, so there are a few tasks per thread
            // to balance; each such task packs its A block itself (A is small then). Many row
            // blocks: the last `threads` of them are cut in two column halves, so the region ends
            // on tasks half as long (a thread that lost its core for a while then leaves the
            // other less to finish alone); that costs `threads` extra A-block packs.
            int nChunks = mBlocks >= 4 * threads ? 1 : Math.min(nPanels, panels(4 * threads, mBlocks));
            boolean splitTail = nChunks == 1 && nPanels >= 2;
            int whole = splitTail ? mBlocks - threads : 0, tailChunks = splitTail ? 2 : nChunks;
            int tasks = whole + (mBlocks - whole) * tailChunks;
            int cBase = cOff + jc;
            float[] cc = out[0];
            dynamic(tasks, null, t -> {
                Buffers own = BUFFERS.get();
                int mb, np0, np1;
                if (t < whole) {
                    mb = t;
                    np0 = 0;
                    np1 = nPanels;
                } else {
                    mb = whole + (t - whole) / tailChunks;
                    int ch = (t - whole) % tailChunks;
                    np0 = (int) ((long) ch * nPanels / tailChunks);
                    np1 = (int) ((long) (ch + 1) * nPanels / tailChunks);
                }
                int ic = (int) ((long) mb * mPanels / mBlocks) * MR, mc = Math.min(M, (int) ((long) (mb + 1) * mPanels / mBlocks) * MR) - ic;
                for (int pc = 0; pc < K; pc += KC) {
                    rowBlock(accumulate || pc > 0, mc, nc, Math.min(KC, K - pc), a, aOff + ic * aRowStride + pc * aColStride,
                            aRowStride, aColStride, bp, pc * nPanels * NR, np0, np1, cc, cBase + ic * ldc, ldc, own);
                }
            });
        }
        return out[0];
    }

    /**
     * The parallel product when A has too few rows for a few row blocks per thread (a weight
     * gradient: M and N the layer's sizes, K every position of the batch). The path above would
     * cut the columns into chunks that each repack their A block for every KC block, so A was
     * packed once per column chunk, as much work as the products at 128 x 128 x 8192. Here both
     * operands are packed once, all of K, on all threads, and a task is a few A panels against one
     * B panel, KC blocks in order: every element of C sums in the same order as on the other paths.
     * The calling thread's A pack buffer then grows to M x K (at most {@link #SHARED_B} floats, the
     * bound B's shared slab already has) and is kept for its next product, as B's is.
     */
    private static float[] fewRows(boolean accumulate, int M, int N, int K,
                                   float[] a, int aOff, int aRowStride, int aColStride,
                                   float[] b, int bOff, int bRowStride, int bColStride,
                                   float[] c, Supplier<float[]> output, int cOff, int ldc) {
        int threads = Parallel.threads(), mPanels = panels(M, MR), nPanels = panels(N, NR);
        Buffers buf = BUFFERS.get();
        float[] ap = buf.a(mPanels * MR * K), bp = buf.b(nPanels * NR * K);
        float[][] out = {c};
        // Packing tasks: groups of A panels, then groups of B panels, each over every KC block.
        int aGroup = Math.max(1, Math.min(PACK_GROUP, mPanels / (2 * threads))), aTasks = panels(mPanels, aGroup);
        int bGroup = Math.max(1, Math.min(PACK_GROUP, nPanels / (2 * threads))), bTasks = panels(nPanels, bGroup);
        dynamic(aTasks + bTasks, c != null ? null : () -> out[0] = output.get(), t -> {
            for (int pc = 0; pc < K; pc += KC) {
                int kc = Math.min(KC, K - pc);
                if (t < aTasks) {
                    int p0 = t * aGroup, p1 = Math.min(mPanels, p0 + aGroup);
                    GemmPacking.packAPanels(p0, p1, M, kc, a, aOff + pc * aColStride, aRowStride, aColStride, ap, pc * mPanels * MR);
                } else {
                    int p0 = (t - aTasks) * bGroup, p1 = Math.min(nPanels, p0 + bGroup);
                    GemmPacking.packBPanels(p0, p1, N, kc, b, bOff + pc * bRowStride, bRowStride, bColStride, bp, pc * nPanels * NR);
                }
            }
        });
        // Compute tasks: rows of g A panels against one B panel, at least four per thread.
        int g = Math.max(1, Math.min(mPanels, mPanels * nPanels / (4 * threads))), rowGroups = panels(mPanels, g);
        float[] cc = out[0];
        dynamic(rowGroups * nPanels, null, t -> {
            int jp = t % nPanels, mp0 = t / nPanels * g, mp1 = Math.min(mPanels, mp0 + g);
            float[] tile = BUFFERS.get().tile;
            for (int pc = 0; pc < K; pc += KC) {
                int kc = Math.min(KC, K - pc);
                block(M, N, kc, ap, pc * mPanels * MR, MR * kc, bp, pc * nPanels * NR, NR * kc, cc, cOff, ldc,
                        accumulate || pc > 0, mp0, mp1, jp, jp + 1, tile);
            }
        });
        return cc;
    }

    /**
     * Runs {@code body} for every task in {@code [0, tasks)} on all threads, each thread taking the
     * next task as it finishes one. On a shared machine a thread can lose its core for a whole
     * scheduler slice (milliseconds, the length of a whole 1024 product); a static split would
     * make the other thread wait for it, here that thread just takes fewer tasks. Safe for
     * reproducibility because a task's arithmetic does not depend on which thread runs it.
     *
     * @param first run once, by the calling thread before it takes tasks (null: nothing)
     */
    private static void dynamic(int tasks, Runnable first, IntConsumer body) {
        AtomicInteger next = new AtomicInteger();
        Parallel.range(Parallel.threads(), (t0, t1) -> {
            if (t0 == 0 && first != null) first.run(); // chunk 0 is the caller's (Parallel.range)
            for (int t; (t = next.getAndIncrement()) < tasks; ) body.accept(t);
        });
    }

    /** The classic loop nest on the calling thread (arguments as {@link #sgemm}). */
    private static void serial(boolean accumulate, int M, int N, int K,
                               float[] a, int aOff, int aRowStride, int aColStride,
                               float[] b, int bOff, int bRowStride, int bColStride,
                               float[] c, int cOff, int ldc) {
        Buffers buf = BUFFERS.get();
        for (int jc = 0; jc < N; jc += NC) {
            int nc = Math.min(NC, N - jc), nPanels = panels(nc, NR);
            for (int pc = 0; pc < K; pc += KC) {
                int kc = Math.min(KC, K - pc);
                float[] bp = buf.b(nPanels * NR * kc);
                GemmPacking.packBPanels(0, nPanels, nc, kc, b, bOff + pc * bRowStride + jc * bColStride,
                        bRowStride, bColStride, bp, 0);
                for (int ic = 0; ic < M; ic += MC) {
                    rowBlock(accumulate || pc > 0, Math.min(MC, M - ic), nc, kc, a, aOff + ic * aRowStride + pc * aColStride,
                            aRowStride, aColStride, bp, 0, 0, nPanels, c, cOff + ic * ldc + jc, ldc, buf);
                }
            }
        }
    }

    /**
     * Packs an (mc x kc) block of A into {@code buf.a} and multiplies it by B panels
     * {@code [np0, np1)} of an already packed (kc x nc) block ({@code bp} from {@code bo}, NR
     * panels of {@code NR*kc} floats).
     *
     * @param c written (or added to when {@code acc}): rows [0, mc) of the block at {@code co},
     *          the columns of those panels
     */
    private static void rowBlock(boolean acc, int mc, int nc, int kc, float[] a, int ao, int ars, int acs,
                                 float[] bp, int bo, int np0, int np1, float[] c, int co, int ldc, Buffers buf) {
        int mPanels = panels(mc, MR);
        float[] ap = buf.a(mPanels * MR * kc);
        GemmPacking.packAPanels(0, mPanels, mc, kc, a, ao, ars, acs, ap, 0);
        block(mc, nc, kc, ap, 0, MR * kc, bp, bo, NR * kc, c, co, ldc, acc, 0, mPanels, np0, np1, buf.tile);
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
