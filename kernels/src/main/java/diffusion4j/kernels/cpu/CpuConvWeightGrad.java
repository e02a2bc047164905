package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmKernel.LANES;
import static diffusion4j.kernels.cpu.GemmKernel.MR;
import static diffusion4j.kernels.cpu.GemmKernel.NR;
import static diffusion4j.kernels.cpu.GemmKernel.SPECIES;
import static diffusion4j.kernels.cpu.GemmPacking.panels;

import diffusion4j.tensor.TensorScope;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.incubator.vector.FloatVector;

/**
 * Weight gradient of the convolutions {@link CpuConvImplicit} runs, as one GEMM over the whole batch:
 * <pre>
 * dW' (O x kH*kW*Cp) = dy (O x N*P) * cols'^T (N*P x kH*kW*Cp)      then dW[o][c][tap] = dW'[o][tap*Cp + c]
 * </pre>
 * The depth is every position of every image. It is cut into a number of depth chunks fixed by
 * the shape alone ({@link #chunks}; one unless dy is large against dW), each reduced inside the
 * micro-kernel in one fixed order (positions ascending) into its own partial dW', and the partials
 * are added in chunk order; tasks are (chunk, column range) pairs, so the result does not depend on
 * the thread count or timing.
 *
 * <p>Why columns in (tap, channel) order and the input in NHWC: a B panel row (one position, NR
 * columns) is then NR consecutive channels of one input pixel, the tap's shifted pixel, or zeros
 * when that tap falls in the padding: two vector copies from an NHWC copy of x whose channels are
 * padded to a multiple of NR (padded columns are computed and dropped). In NCHW the same row would
 * be a gather. The A side (dy, positions as depth) is packed as {@link ConvRows} panels per depth
 * block: once for the whole call when several column tasks share each block, else by the one task
 * of each chunk, just before use.
 *
 * <p>Why chunks: every column task streams its depth range of packed dy through the caches, so at
 * 64 channels (packed dy 9.4 MB, dW' 147 KB) the 3 x threads column tasks read 28-56 MB of it from
 * L3 or memory; 8 chunks of one column task each read it once, from L2, for 8 partials (1.2 MB).
 * Single-threaded CPU time at 32x64x32x32: 29-30 ms before (with 12-row panels only), 23-24.5 after.
 */
final class CpuConvWeightGrad {
    private CpuConvWeightGrad() {}

    /** Positions per depth block. */
    static final int KC = Integer.getInteger("diffusion4j.conv.kcw", 512);
    /** Most depth chunks ({@link #chunks}). */
    static final int MAX_CHUNKS = 8;
    private static final FloatVector ZERO = FloatVector.zero(SPECIES);

    /**
     * @param g  the forward geometry
     * @param x  (N, C, H, W) at {@code xo}; not modified
     * @param dy (N, O, OH, W) at {@code dyo}; not modified
     * @return dW (O, C, kH, kW), summed over the batch
     */
    static float[] backwardWeight(CpuConvImplicit.Geo g, float[] x, int xo, float[] dy, int dyo) {
        int taps = g.taps(), cp = panels(g.c(), NR) * NR, P = g.positions(), hw = g.h() * g.w();
        ConvRows rows = new ConvRows(g.o());
        int depth = g.n() * P, blocks = panels(depth, KC), mp = rows.padded(), cols = taps * cp, nPanels = cols / NR;
        float[] xt = nhwc(g, x, xo, cp);
        // valid[q*taps + t]: tap t of output position q reads inside the image.
        boolean[] valid = new boolean[P * taps];
        int[] shift = new int[taps];
        for (int t = 0; t < taps; t++) {
            int di = t / g.kw() - g.ph(), dj = t % g.kw() - g.pw();
            shift[t] = di * g.w() + dj;
            for (int q = 0; q < P; q++) {
                int ih = q / g.w() + di, iw = q % g.w() + dj;
                valid[q * taps + t] = ih >= 0 && ih < g.h() && iw >= 0 && iw < g.w();
            }
        }
        // Depth chunks: a fixed split of the positions (by shape alone, never by thread count), each
        // summed into its own partial dW'; the partials are added in chunk order at the end.
        int chunks = chunks(g.o(), mp * depth, cols, blocks), perChunk = panels(blocks, chunks);
        int colTasks = Math.min(nPanels, panels(3 * Parallel.threads(), chunks)), per = panels(nPanels, colTasks);
        int part = g.o() * cols, tasks = chunks * colTasks;
        // One column task per chunk: each task packs its own dy blocks just before use, so they
        // go from L2 straight into the micro-kernel; otherwise dy is packed once up front for the
        // several tasks that share each block.
        boolean own = colTasks == 1;
        float[] shared = own ? null : ConvScratch.get(ConvScratch.PACKED_DY, mp * depth);
        if (!own) {
            Parallel.range(blocks, (b0, b1) -> {
                for (int b = b0; b < b1; b++) packDy(g, rows, dy, dyo, b * KC, Math.min(depth, (b + 1) * KC), shared, b * KC * mp, false);
            });
        }
        float[] dwp = TensorScope.zeroArray(chunks * part);
        AtomicInteger next = new AtomicInteger();
        Parallel.range(Parallel.threads(), (t0, t1) -> {
            float[] bp = ConvScratch.get(ConvScratch.PANELS, NR * KC), tile = ConvScratch.get(ConvScratch.TILE, MR * NR);
            float[] ap = own ? ConvScratch.get(ConvScratch.DY_BLOCK, mp * KC) : shared;
            for (int task; (task = next.getAndIncrement()) < tasks; ) {
                int chunk = task / colTasks, j0 = task % colTasks * per, j1 = Math.min(nPanels, j0 + per);
                int b0 = chunk * perChunk, b1 = Math.min(blocks, b0 + perChunk);
                for (int b = b0; b < b1; b++) {
                    int k0 = b * KC, kc = Math.min(depth, k0 + KC) - k0, at = own ? 0 : k0 * mp;
                    if (own) packDy(g, rows, dy, dyo, k0, k0 + kc, ap, 0, true);
                    for (int jp = j0; jp < j1; jp++) {
                        packPanel(g, xt, cp, valid, shift, jp, k0, kc, bp);
                        rows.multiply(kc, ap, at, bp, 0, dwp, chunk * part + jp * NR, cols, NR, b > b0, tile);
                    }
                }
            }
        });
        // dW from the partials, rows of O split over the threads so neither core idles while the
        // other gathers (no measurable change at 32x256x8x8 on its own); every element is written.
        float[] dw = TensorScope.array(g.o() * g.c() * taps);
        Parallel.range(g.o(), 8, (o0, o1) -> {
            for (int o = o0; o < o1; o++) {
                for (int c = 0; c < g.c(); c++) {
                    for (int t = 0; t < taps; t++) {
                        int i = o * cols + t * cp + c;
                        float sum = dwp[i];
                        for (int ch = 1; ch < chunks; ch++) sum += dwp[ch * part + i];
                        dw[(o * g.c() + c) * taps + t] = sum;
                    }
                }
            }
        });
        return dw;
    }

    /**
     * Depth chunks for a weight gradient whose packed dy holds {@code packedDy} floats: every column
     * task streams its chunk of packed dy from L3 or memory, so splitting the columns into tasks
     * multiplies that traffic, where splitting the depth costs one partial dW' ({@code o * cols}) per
     * chunk. Chunks when packed dy is much larger than dW' (64 channels at 32x32: 9.4 MB against
     * 147 KB), none otherwise.
     */
    static int chunks(int o, long packedDy, int cols, int blocks) {
        long ratio = packedDy / ((long) o * cols * 16);
        return (int) Math.max(1, Math.min(Math.min(blocks, MAX_CHUNKS), ratio));
    }

    /**
     * Packs column panel {@code jp} (tap {@code jp*NR / cp}, channels from {@code jp*NR % cp}) of
     * cols'^T for depth {@code [k0, k0+kc)}: per position, NR channels of the tap's input pixel, or
     * zeros where the tap reads padding.
     *
     * @param bp written: {@code kc * NR} floats from 0
     */
    private static void packPanel(CpuConvImplicit.Geo g, float[] xt, int cp, boolean[] valid, int[] shift, int jp, int k0, int kc, float[] bp) {
        int taps = g.taps(), P = g.positions(), hw = g.h() * g.w(), t = jp * NR / cp, c0 = jp * NR % cp;
        // Position k = n*P + q walked without a division per row.
        for (int k = k0, o = 0, q = k0 % P, base = (k0 / P) * hw; k < k0 + kc; k++, o += NR) {
            if (valid[q * taps + t]) {
                int s = (base + q + shift[t]) * cp + c0;
                FloatVector.fromArray(SPECIES, xt, s).intoArray(bp, o);
                FloatVector.fromArray(SPECIES, xt, s + LANES).intoArray(bp, o + LANES);
            } else {
                ZERO.intoArray(bp, o);
                ZERO.intoArray(bp, o + LANES);
            }
            if (++q == P) {
                q = 0;
                base += hw;
            }
        }
    }

    /**
     * x as (N, H*W, cp) with channels c..cp-1 zero, in this thread's scratch. A vector of LANES
     * positions of one channel goes out as one scatter (stride cp); positions advance in the outer
     * loop so the lines written stay in L1 while every channel fills them. Single-threaded CPU time
     * on the loaded shared machine, one run each: 0.7 ms against 2.2 for the scalar copy walking one
     * channel over the whole image at 32x256x8x8; no difference at 32x64x32x32 (about 2.5 ms,
     * which reads 64 planes 4 KiB apart and seems bound by memory).
     */
    private static float[] nhwc(CpuConvImplicit.Geo g, float[] x, int xo, int cp) {
        int hw = g.h() * g.w(), c = g.c(), vec = SPECIES.loopBound(hw);
        float[] xt = ConvScratch.get(ConvScratch.NHWC, g.n() * hw * cp);
        int[] stride = new int[LANES];
        for (int l = 0; l < LANES; l++) stride[l] = l * cp;
        Parallel.range(g.n(), (n0, n1) -> {
            for (int n = n0; n < n1; n++) {
                int src = xo + n * c * hw, dst = n * hw * cp;
                for (int p = 0; p < vec; p += LANES) {
                    for (int ci = 0; ci < c; ci++) FloatVector.fromArray(SPECIES, x, src + ci * hw + p).intoArray(xt, dst + p * cp + ci, stride, 0);
                }
                for (int p = vec; p < hw; p++) {
                    for (int ci = 0; ci < c; ci++) xt[dst + p * cp + ci] = x[src + ci * hw + p];
                }
                for (int p = 0; p < hw && c < cp; p++) Arrays.fill(xt, dst + p * cp + c, dst + (p + 1) * cp, 0f);
            }
        });
        return xt;
    }

    /**
     * Packs depth {@code [k0, k1)} (positions of the batch, k = n*P + q) of A = dy (O x N*P) in the
     * panels of {@code rows}, depth {@code k1-k0}, from {@code at}. A depth block may straddle
     * images, so it is packed as one run per image, each a plain row-major block of dy.
     *
     * <p>Two loop orders, by measurement (single-threaded CPU time, loaded machine, medians of 6):
     * into a task's own block, which stays in L1/L2 ({@code positionsOuter}: positions outer, the
     * panel written in order from h row streams of dy), 18 against 21 ms for the whole weight
     * gradient at 32x64x32x32; into the whole packed dy up front, rows outer (each row of dy read
     * in one run, the panel written with stride h), 1.1 against 2.4 ms of packing at 32x128x16x16.
     */
    private static void packDy(CpuConvImplicit.Geo g, ConvRows rows, float[] dy, int dyo, int k0, int k1, float[] ap, int at,
                               boolean positionsOuter) {
        int P = g.positions(), kc = k1 - k0;
        for (int ip = 0; ip < rows.count(); ip++) {
            int h = rows.height(ip), r0 = rows.start(ip), live = Math.min(h, g.o() - r0), d = at + r0 * kc;
            for (int r = live; r < h; r++) {
                for (int k = 0, dst = d + r; k < kc; k++, dst += h) ap[dst] = 0f;
            }
            for (int k = k0; k < k1; ) {
                int n = k / P, q = k % P, run = Math.min(k1 - k, P - q), src = dyo + (n * g.o() + r0) * P + q, dst = d + (k - k0) * h;
                if (positionsOuter) {
                    for (int i = 0; i < run; i++) {
                        for (int r = 0; r < live; r++) ap[dst + i * h + r] = dy[src + r * P + i];
                    }
                } else {
                    for (int r = 0; r < live; r++) {
                        for (int i = 0; i < run; i++) ap[dst + i * h + r] = dy[src + r * P + i];
                    }
                }
                k += run;
            }
        }
    }
}
