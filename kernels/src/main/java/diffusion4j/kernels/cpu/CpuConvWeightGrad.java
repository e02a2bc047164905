package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmKernel.LANES;
import static diffusion4j.kernels.cpu.GemmKernel.MR;
import static diffusion4j.kernels.cpu.GemmKernel.NR;
import static diffusion4j.kernels.cpu.GemmKernel.SPECIES;
import static diffusion4j.kernels.cpu.GemmPacking.panels;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.incubator.vector.FloatVector;

/**
 * Weight gradient of the convolutions {@link CpuConvImplicit} runs, as one GEMM over the whole batch:
 * <pre>
 * dW' (O x kH*kW*Cp) = dy (O x N*P) * cols'^T (N*P x kH*kW*Cp)      then dW[o][c][tap] = dW'[o][tap*Cp + c]
 * </pre>
 * The depth is every position of every image, so it is reduced inside the micro-kernel in one
 * fixed order (positions ascending); threads split the columns, never the depth, so no partial sums
 * exist and the result does not depend on the thread count or timing.
 *
 * <p>Why columns in (tap, channel) order and the input in NHWC: a B panel row (one position, NR
 * columns) is then NR consecutive channels of one input pixel, the tap's shifted pixel, or zeros
 * when that tap falls in the padding: two vector copies from an NHWC copy of x whose channels are
 * padded to a multiple of NR (padded columns are computed and dropped). In NCHW the same row would
 * be a gather. The A side (dy, positions as depth) is packed once for the whole call, as MR-row
 * panels per depth block, and shared by all column tasks.
 */
final class CpuConvWeightGrad {
    private CpuConvWeightGrad() {}

    /** Positions per depth block. */
    static final int KC = Integer.getInteger("diffusion4j.conv.kcw", 512);
    private static final FloatVector ZERO = FloatVector.zero(SPECIES);

    /**
     * @param g  the forward geometry
     * @param x  (N, C, H, W) at {@code xo}; not modified
     * @param dy (N, O, OH, W) at {@code dyo}; not modified
     * @return dW (O, C, kH, kW), summed over the batch
     */
    static float[] backwardWeight(CpuConvImplicit.Geo g, float[] x, int xo, float[] dy, int dyo) {
        int taps = g.taps(), cp = panels(g.c(), NR) * NR, P = g.positions(), hw = g.h() * g.w();
        int depth = g.n() * P, blocks = panels(depth, KC), mPanels = panels(g.o(), MR), cols = taps * cp, nPanels = cols / NR;
        float[] xt = nhwc(g, x, xo, cp);
        float[] ap = ConvScratch.get(ConvScratch.PACKED_DY, mPanels * MR * depth);
        Parallel.range(blocks, (b0, b1) -> {
            for (int b = b0; b < b1; b++) packDy(g, dy, dyo, b * KC, Math.min(depth, (b + 1) * KC), ap, mPanels);
        });
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
        float[] dwp = new float[g.o() * cols];
        int per = Math.max(1, nPanels / (3 * Parallel.threads())), tasks = panels(nPanels, per);
        AtomicInteger next = new AtomicInteger();
        Parallel.range(Parallel.threads(), (t0, t1) -> {
            float[] bp = ConvScratch.get(ConvScratch.PANELS, per * NR * KC), tile = new float[MR * NR];
            for (int task; (task = next.getAndIncrement()) < tasks; ) {
                int j0 = task * per, j1 = Math.min(nPanels, j0 + per);
                for (int b = 0; b < blocks; b++) {
                    int k0 = b * KC, kc = Math.min(depth, k0 + KC) - k0;
                    for (int jp = j0, d = 0; jp < j1; jp++, d += NR * kc) {
                        int t = jp * NR / cp, c0 = jp * NR % cp;
                        // Position k = n*P + q walked without a division per row.
                        for (int k = k0, o = d, q = k0 % P, base = (k0 / P) * hw; k < k0 + kc; k++, o += NR) {
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
                    for (int jp = j0; jp < j1; jp++) {
                        CpuConvImplicit.multiply(g.o(), mPanels, kc, ap, k0 * mPanels * MR, bp, (jp - j0) * NR * kc,
                                dwp, jp * NR, cols, NR, b > 0, tile);
                    }
                }
            }
        });
        float[] dw = new float[g.o() * g.c() * taps];
        for (int o = 0; o < g.o(); o++) {
            for (int c = 0; c < g.c(); c++) {
                for (int t = 0; t < taps; t++) dw[(o * g.c() + c) * taps + t] = dwp[o * cols + t * cp + c];
            }
        }
        return dw;
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
     * Packs depth {@code [k0, k1)} (positions of the batch, k = n*P + q) of A = dy (O x N*P) as MR
     * panels of depth {@code k1-k0}, at {@code k0 * mPanels * MR}; rows past O are zeroed.
     */
    private static void packDy(CpuConvImplicit.Geo g, float[] dy, int dyo, int k0, int k1, float[] ap, int mPanels) {
        int P = g.positions(), kc = k1 - k0;
        for (int ip = 0; ip < mPanels; ip++) {
            int d = k0 * mPanels * MR + ip * MR * kc;
            for (int r = 0; r < MR; r++) {
                int o = ip * MR + r;
                if (o >= g.o()) {
                    for (int k = 0, dst = d + r; k < kc; k++, dst += MR) ap[dst] = 0f;
                    continue;
                }
                for (int k = k0; k < k1; ) {
                    int n = k / P, q = k % P, run = Math.min(k1 - k, P - q), src = dyo + (n * g.o() + o) * P + q;
                    for (int i = 0, dst = d + (k - k0) * MR + r; i < run; i++, dst += MR) ap[dst] = dy[src + i];
                    k += run;
                }
            }
        }
    }
}
