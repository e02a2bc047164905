package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmKernel.LANES;
import static diffusion4j.kernels.cpu.GemmKernel.MR;
import static diffusion4j.kernels.cpu.GemmKernel.NR;
import static diffusion4j.kernels.cpu.GemmKernel.SPECIES;
import static diffusion4j.kernels.cpu.GemmPacking.panels;

import diffusion4j.tensor.TensorScope;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Implicit-GEMM convolution for stride-1, undilated, ungrouped kernels whose padding keeps the
 * width ({@code 2*padW == kW-1}, e.g. 3x3 with padding 1): {@code y (O x P) = W (O x C*kH*kW) *
 * cols (C*kH*kW x P)} per image, on {@link GemmKernel}'s 12 x 32 micro-kernel (and
 * {@link AttentionTile}'s 8 x 32 one for the last rows, {@link ConvRows}), without ever building the
 * column matrix.
 *
 * <p>Why that width condition: with the output as wide as the input, output position
 * {@code q = oh*W + ow} reads, for tap (i, j), input element {@code q + (i-padH)*W + (j-padW)} of
 * each channel plane. So the NR positions of a B panel read one contiguous run of each input plane,
 * shifted per tap; the lanes that fall in the padding (or wrap into the neighbouring row, or lie past
 * the image) are masked off, and the mask depends only on (panel, tap). Packing a B panel row is two
 * masked vector loads and two stores, straight from the NCHW input.
 *
 * <p>Operands: A is the weight matrix, packed once per call (it is the same for every image); B
 * panels hold NR consecutive positions of one image (an image's last panel may be partial), so
 * small images (8x8 = 2 panels) simply give more panels, and the GEMM's N runs over the whole batch.
 * Tasks are runs of {@link #TASK} panels taken dynamically by the threads; for each block of
 * channels a task packs its B panels (kc x NR each, in L1/L2) and runs every A panel against each.
 * Every output element is summed in the same order (channel blocks ascending, k ascending inside
 * the micro-kernel) whichever thread takes its task, so results are bitwise reproducible.
 *
 * <p>The input gradient of such a convolution is one of the same kind ({@link #backwardInput}).
 */
final class CpuConvImplicit {
    private CpuConvImplicit() {}

    /** Target depth of one packed block (rows of the column matrix); rounded down to whole channels. */
    static final int KC = Integer.getInteger("diffusion4j.conv.kc", 576);
    /** B panels (NR positions each) per task. */
    static final int TASK = Integer.getInteger("diffusion4j.conv.task", 4);

    /** A B-panel row mask with every lane inside the image. */
    private static final long FULL = (1L << NR) - 1;
    private static final FloatVector ZERO = FloatVector.zero(SPECIES);


    /**
     * Input (n, c, h, w), output channels o, kernel kh x kw, padding (ph, pw) with {@code 2*pw == kw-1};
     * output (n, o, oh, w).
     */
    record Geo(int n, int c, int h, int w, int o, int kh, int kw, int ph, int pw) {
        int oh() { return h + 2 * ph - kh + 1; }
        int taps() { return kh * kw; }
        int depth() { return c * taps(); }
        int positions() { return oh() * w; }
        int panelsPerImage() { return panels(positions(), NR); }
        int channelBlock() { return Math.max(1, Math.min(c, KC / taps())); }

        /** The convolution whose output is this one's input gradient: dy in, flipped kernel, padding k-1-p. */
        Geo adjoint() {
            return new Geo(n, o, oh(), w, c, kh, kw, kh - 1 - ph, kw - 1 - pw);
        }
    }

    /** Whether {@link #forward} and {@link #backwardInput} handle this geometry. */
    static boolean applies(int kh, int kw, int h, int strideH, int strideW, int padH, int padW, int dilH, int dilW, int groups) {
        return strideH == 1 && strideW == 1 && dilH == 1 && dilW == 1 && groups == 1 && kh * kw > 1
                && 2 * padW == kw - 1 && padH <= kh - 1 && h + 2 * padH - kh + 1 > 0;
    }

    /**
     * @param x (N, C, H, W) at {@code xo}; not modified
     * @param w (O, C, kH, kW) at {@code wo}; not modified
     * @param y (N, O, OH, W) at 0; overwritten, or added to when {@code accumulate} (bias pre-filled)
     */
    static void forward(Geo g, float[] x, int xo, float[] w, int wo, float[] y, boolean accumulate) {
        ConvRows rows = new ConvRows(g.o);
        run(g, x, xo, rows, packWeights(g, rows, w, wo), y, accumulate);
    }

    /**
     * dx: the forward pass of dy with {@code wt[c][o][i][j] = w[o][c][kH-1-i][kW-1-j]} and padding
     * {@code k-1-pad}, which is again width-preserving and gives back H x W.
     *
     * @param g  the forward geometry
     * @param dy (N, O, OH, W) at {@code dyo}; not modified
     * @param w  (O, C, kH, kW) at {@code wo}; not modified
     * @param dx (N, C, H, W) at 0; overwritten
     */
    static void backwardInput(Geo g, float[] dy, int dyo, float[] w, int wo, float[] dx) {
        Geo a = g.adjoint();
        ConvRows rows = new ConvRows(a.o);
        run(a, dy, dyo, rows, packWeights(a, rows, flipped(w, wo, g.o, g.c, g.taps()), 0), dx, false);
    }

    /**
     * The adjoint's weights, each kernel flipped and the channel roles swapped:
     * {@code wt[c][o][t] = w[o][c][taps-1-t]} (t = i*kW + j, so both spatial axes reverse). Threads
     * split the rows of wt, so the other core does not idle while one copies (no measurable change
     * at 32x256x8x8 on its own). Shared with {@link CpuWinograd#backwardInput}.
     *
     * @param w (O, C, kH, kW) at {@code wo}; not modified
     * @return (C, O, kH, kW)
     */
    static float[] flipped(float[] w, int wo, int o, int c, int taps) {
        float[] wt = TensorScope.array(c * o * taps);
        Parallel.range(c, 8, (c0, c1) -> {
            for (int ci = c0; ci < c1; ci++) {
                for (int oi = 0; oi < o; oi++) {
                    int src = wo + (oi * c + ci) * taps, dst = (ci * o + oi) * taps;
                    for (int k = 0; k < taps; k++) wt[dst + k] = w[src + taps - 1 - k];
                }
            }
        });
        return wt;
    }

    /**
     * A = W (O x C*taps, row-major at wo) in {@link ConvRows} panels, one run of panels per channel
     * block; every float is written (padding rows as zeros). The (block, panel) pairs are spread
     * over the threads.
     */
    private static float[] packWeights(Geo g, ConvRows rows, float[] w, int wo) {
        int K = g.depth(), taps = g.taps(), cb = g.channelBlock(), count = rows.count();
        float[] ap = TensorScope.array(rows.padded() * K);
        Parallel.range(panels(g.c, cb) * count, (u0, u1) -> {
            for (int u = u0; u < u1; u++) {
                int c0 = u / count * cb, pc = c0 * taps, kc = (Math.min(g.c, c0 + cb) - c0) * taps;
                rows.pack(u % count, kc, w, wo + pc, K, 1, ap, pc * rows.padded());
            }
        });
        return ap;
    }

    private static void run(Geo g, float[] x, int xo, ConvRows rows, float[] ap, float[] y, boolean accumulate) {
        int taps = g.taps(), ppi = g.panelsPerImage(), P = g.positions(), cb = g.channelBlock();
        int total = g.n * ppi, tasks = panels(total, TASK);
        // Per (panel of an image, tap): the lanes that read inside the image, and the tap's shift.
        long[] masks = new long[ppi * taps];
        int[] shifts = new int[taps];
        for (int t = 0; t < taps; t++) {
            int di = t / g.kw - g.ph, dj = t % g.kw - g.pw;
            shifts[t] = di * g.w + dj;
            for (int j = 0; j < ppi; j++) {
                long m = 0;
                for (int l = 0; l < NR; l++) {
                    int q = j * NR + l, ih = q / g.w + di, iw = q % g.w + dj;
                    if (q < P && ih >= 0 && ih < g.h && iw >= 0 && iw < g.w) m |= 1L << l;
                }
                masks[j * taps + t] = m;
            }
        }
        AtomicInteger next = new AtomicInteger();
        Parallel.range(Parallel.threads(), (t0, t1) -> {
            float[] bp = ConvScratch.get(ConvScratch.PANELS, TASK * NR * cb * taps), tile = ConvScratch.get(ConvScratch.TILE, MR * NR);
            for (int task; (task = next.getAndIncrement()) < tasks; ) {
                int g0 = task * TASK, g1 = Math.min(total, g0 + TASK);
                for (int c0 = 0; c0 < g.c; c0 += cb) {
                    int c1 = Math.min(g.c, c0 + cb), kc = (c1 - c0) * taps, aBlock = c0 * taps * rows.padded();
                    boolean acc = accumulate || c0 > 0;
                    packB(g, x, xo, masks, shifts, g0, g1, c0, c1, bp);
                    for (int gp = g0; gp < g1; gp++) {
                        int ni = gp / ppi, q0 = (gp % ppi) * NR;
                        rows.multiply(kc, ap, aBlock, bp, (gp - g0) * NR * kc, y, ni * g.o * P + q0, P,
                                Math.min(NR, P - q0), acc, tile);
                    }
                }
            }
        });
    }

    /**
     * Packs rows {@code [c0*taps, c1*taps)} of the (implicit) column matrix for global panels
     * {@code [g0, g1)} (panel {@code image*ppi + j}) into consecutive NR-wide panels. Rows whose
     * lanes are all inside (or all outside) the image skip the masked load: measured single-threaded
     * at 32x64x32x32, masked loads for every row made packing 10.6 ms of a 26 ms forward pass, against
     * 2.5 ms with these two cases split off (where 3 or more of 9 taps are whole rows).
     *
     * @param dst written: {@code (g1-g0) * NR * (c1-c0)*taps} floats from 0
     */
    private static void packB(Geo g, float[] x, int xo, long[] masks, int[] shifts, int g0, int g1, int c0, int c1, float[] dst) {
        int taps = g.taps(), ppi = g.panelsPerImage(), hw = g.h * g.w;
        int d = 0;
        for (int gp = g0; gp < g1; gp++) {
            int ni = gp / ppi, j = gp % ppi, mrow = j * taps;
            for (int c = c0; c < c1; c++) {
                int src = xo + (ni * g.c + c) * hw + j * NR;
                for (int t = 0; t < taps; t++, d += NR) {
                    long m = masks[mrow + t];
                    int s = src + shifts[t];
                    if (m == 0) {
                        ZERO.intoArray(dst, d);
                        ZERO.intoArray(dst, d + LANES);
                    } else if (m == FULL) {
                        FloatVector.fromArray(SPECIES, x, s).intoArray(dst, d);
                        FloatVector.fromArray(SPECIES, x, s + LANES).intoArray(dst, d + LANES);
                    } else {
                        FloatVector.fromArray(SPECIES, x, s, VectorMask.fromLong(SPECIES, m)).intoArray(dst, d);
                        FloatVector.fromArray(SPECIES, x, s + LANES, VectorMask.fromLong(SPECIES, m >>> LANES)).intoArray(dst, d + LANES);
                    }
                }
            }
        }
    }
}
