package diffusion4j.kernels.cpu;

import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * conv2d and its two gradients as im2col + {@link Gemm}, one GEMM per (image, group, column chunk).
 * With Kc = C/g * kH * kW rows of unfolded columns and P = outH * outW output positions:
 * <pre>
 * forward          y_g  (O/g x P)  = W_g (O/g x Kc)   * cols (Kc x P)        (+ bias, pre-filled)
 * backward input   cols (Kc x P)   = W_g^T            * dy_g (O/g x P), then col2im into dx
 * backward weight  dW_g (O/g x Kc) += dy_g            * cols^T               (summed over images)
 * </pre>
 * Columns are built a chunk of output positions at a time, at most {@link #COL_BUDGET} floats, in a
 * per-thread buffer reused across calls, so temporary memory stays bounded whatever the image size.
 * A 1x1, stride-1, unpadded convolution is already a GEMM on the input planes and skips im2col.
 * A 3x3, stride-1, undilated, ungrouped convolution with padding at most 2 and at least
 * {@link #WINOGRAD_MIN_CHANNELS} channels in and out runs its forward and input-gradient passes
 * through {@link CpuWinograd} (F(2x2, 3x3): 2.25x fewer multiply-adds, transforms fused per panel of
 * tiles), as long as its weights are no larger than measured ({@link #WINOGRAD_MAX_WEIGHTS}) or
 * the implicit GEMM below does not apply. Otherwise a stride-1, undilated, ungrouped kernel larger
 * than 1x1 whose padding keeps the width (3x3 with padding 1: every UNet convolution) goes to
 * {@link CpuConvImplicit}, an implicit GEMM that never builds the columns. The weight gradient of
 * a layer whose passes run through Winograd does too ({@link WinogradWeightGrad}) when its channel
 * counts fit that kernel's vectors (output channels a multiple of 32, input channels of 8) and its
 * weights are at most {@link #WINOGRAD_MAX_WEIGHTS}; otherwise it is the implicit GEMM's
 * ({@link CpuConvWeightGrad}). Measured with
 * tools/perf/conv_ab.sh (docs/performance-history.md, "conv").
 * Images go one per thread when that balances (batch a multiple of the thread count, or images too
 * small to split well); otherwise images run in turn and each GEMM and im2col splits across threads.
 */
public final class CpuConv {
    private CpuConv() {}

    /** Most floats of unfolded columns held at once per thread (4 MiB). */
    static final int COL_BUDGET = 1 << 20;
    /**
     * Fewest input and output channels for the Winograd forward and input-gradient passes: their 16
     * products per panel of tiles have depth C (forward) or O (input gradient), too shallow below
     * this. Measured on 2 threads against the implicit GEMM (docs/performance-history.md, "Winograd
     * convolution"): about 1.6x faster at 64 and 128 channels; level at 16 and 32.
     */
    static final int WINOGRAD_MIN_CHANNELS = 64;
    /**
     * Most O x C weights for the Winograd forward and input-gradient passes where the implicit GEMM
     * also applies. Each panel of 32 tiles streams the whole transformed weight tensor U (16 O C
     * floats: 1 MiB at 128 x 128, 4 MiB at 256 x 256, from L3 there). With the products taken xi by
     * xi ({@link WinogradForward}), the forward at 32x256x8x8 on two threads took 5.8-8.6 ms against
     * the implicit GEMM's 7.3-11.6 (three interleaved rounds on a noisy machine); the weight gradient
     * ({@link WinogradWeightGrad}, with its G^T dU G vectorized) 6.1-7.3 ms against the implicit GEMM's
     * 7.6-8.5 (three rounds, seventh session). Larger weights are unmeasured, so they keep the implicit GEMM.
     */
    static final int WINOGRAD_MAX_WEIGHTS = 256 * 256;
    /**
     * Fewest channels for the Winograd weight gradient (only used where the implicit GEMM does not
     * apply), whose GEMMs are small (O x C) outputs summed over many tiles: it loses to im2col at
     * 128 channels and wins from 256 on.
     */
    static final int WINOGRAD_MIN_CHANNELS_WEIGHT = 256;
    /** Per-image multiply-adds below which images, not GEMMs, are spread over threads. */
    private static final long SMALL_IMAGE = 1L << 22;

    private static final ThreadLocal<float[][]> COLS = ThreadLocal.withInitial(() -> new float[1][0]);

    /** Sizes of one convolution, with the derived GEMM dimensions. */
    private record Geo(int n, int c, int h, int w, int o, int kh, int kw, int oh, int ow, ConvParams p) {
        static Geo of(int[] x, int[] wt, ConvParams p) {
            if (x.length != 4 || wt.length != 4 || x[1] != wt[1] * p.groups() || wt[0] % p.groups() != 0) {
                throw new IllegalArgumentException("conv2d: input " + Shapes.format(x) + " and weight " + Shapes.format(wt)
                        + " do not match " + p.groups() + " group(s)");
            }
            return new Geo(x[0], x[1], x[2], x[3], wt[0], wt[2], wt[3], p.outH(x[2], wt[2]), p.outW(x[3], wt[3]), p);
        }

        int cg() { return c / p.groups(); }
        int og() { return o / p.groups(); }
        int kc() { return cg() * kh * kw; }
        int positions() { return oh * ow; }
        int hw() { return h * w; }

        /** 1x1, stride 1, no padding: the input planes are the columns. */
        boolean direct() {
            return kh == 1 && kw == 1 && p.strideH() == 1 && p.strideW() == 1 && p.padH() == 0 && p.padW() == 0;
        }

        /** Output positions per column chunk: the whole image if it fits the budget. */
        int chunk() {
            return direct() ? positions() : Math.max(1, Math.min(positions(), COL_BUDGET / Math.max(1, kc())));
        }

        /** A Winograd-shaped convolution with at least {@code minChannels} channels in and out. */
        boolean winograd(int minChannels) {
            return winogradShaped() && Math.min(c, o) >= minChannels;
        }

        /** Forward and input gradient through {@link CpuWinograd} ({@link #WINOGRAD_MAX_WEIGHTS}). */
        boolean winogradPasses() {
            return winograd(WINOGRAD_MIN_CHANNELS) && ((long) o * c <= WINOGRAD_MAX_WEIGHTS || !implicit());
        }

        /** 3x3, stride 1, no dilation, one group, padding at most 2 (so the input gradient is one too). */
        boolean winogradShaped() {
            return kh == 3 && kw == 3 && p.strideH() == 1 && p.strideW() == 1 && p.dilationH() == 1 && p.dilationW() == 1
                    && p.groups() == 1 && p.padH() <= 2 && p.padW() <= 2 && oh > 0 && ow > 0;
        }

        /** Stride 1, width-preserving padding, ungrouped: {@link CpuConvImplicit} runs it without im2col. */
        boolean implicit() {
            return CpuConvImplicit.applies(kh, kw, h, p.strideH(), p.strideW(), p.padH(), p.padW(), p.dilationH(), p.dilationW(), p.groups());
        }

        CpuConvImplicit.Geo implicitGeo() {
            return new CpuConvImplicit.Geo(n, c, h, w, o, kh, kw, p.padH(), p.padW());
        }

        CpuWinograd.Geo wino() {
            return new CpuWinograd.Geo(n, c, h, w, o, p.padH(), p.padW());
        }

        boolean imagesInParallel() {
            int t = Parallel.threads();
            long work = (long) o * kc() * positions();
            return n >= t && t > 1 && (n % t == 0 || work < SMALL_IMAGE);
        }
    }

    /**
     * @param x    (N, C, H, W) contiguous; not modified
     * @param w    (O, C/groups, kH, kW) contiguous; not modified
     * @param bias (O) or null
     * @return (N, O, outH, outW)
     */
    public static Storage conv2d(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        Geo g = Geo.of(x.shape(), w.shape(), p);
        float[] xs = HeapStorage.of(x.storage()), ws = HeapStorage.of(w.storage());
        float[] bs = bias == null ? null : HeapStorage.of(bias.storage());
        int xo = x.layout().offset(), wo = w.layout().offset(), bo = bias == null ? 0 : bias.layout().offset();
        int P = g.positions(), kc = g.kc(), og = g.og(), cg = g.cg();
        float[] y = TensorScope.array(g.n * g.o * P); // every path writes all of it (or adds onto the bias)
        if (bs != null) {
            for (int i = 0; i < g.n * g.o; i++) Arrays.fill(y, i * P, (i + 1) * P, bs[bo + i % g.o]);
        }
        if (g.winogradPasses()) {
            CpuWinograd.forward(g.wino(), xs, xo, ws, wo, y, bs != null);
            return new HeapStorage(y);
        }
        if (g.implicit()) {
            CpuConvImplicit.forward(g.implicitGeo(), xs, xo, ws, wo, y, bs != null);
            return new HeapStorage(y);
        }
        forEachImage(g, (ni, gi, p0, pc, cols) -> {
            int inBase = xo + (ni * g.c + gi * cg) * g.hw();
            float[] src = xs;
            int base = inBase + p0, rs = g.hw();
            if (!g.direct()) {
                im2col(xs, inBase, g, p0, pc, cols, false);
                src = cols;
                base = 0;
                rs = pc;
            }
            Gemm.sgemm(bs != null, og, pc, kc, ws, wo + gi * og * kc, kc, 1, src, base, rs, 1,
                    y, (ni * g.o + gi * og) * P + p0, P);
        });
        return new HeapStorage(y);
    }

    /**
     * @param dy         (N, O, outH, outW) contiguous; not modified
     * @param w          (O, C/groups, kH, kW) contiguous; not modified
     * @param inputShape (N, C, H, W)
     * @return dx of {@code inputShape}
     */
    public static Storage backwardInput(Tensor dy, Tensor w, int[] inputShape, ConvParams p) {
        Geo g = Geo.of(inputShape, w.shape(), p);
        checkOut(g, dy.shape());
        float[] ds = HeapStorage.of(dy.storage()), ws = HeapStorage.of(w.storage());
        int dyo = dy.layout().offset(), wo = w.layout().offset();
        int P = g.positions(), kc = g.kc(), og = g.og(), cg = g.cg();
        boolean whole = g.winogradPasses() || g.implicit(); // those two write all of dx; col2im adds
        float[] dx = whole ? TensorScope.array(g.n * g.c * g.hw()) : TensorScope.zeroArray(g.n * g.c * g.hw());
        if (g.winogradPasses()) {
            CpuWinograd.backwardInput(g.wino(), ds, dyo, ws, wo, dx);
            return new HeapStorage(dx);
        }
        if (g.implicit()) {
            CpuConvImplicit.backwardInput(g.implicitGeo(), ds, dyo, ws, wo, dx);
            return new HeapStorage(dx);
        }
        forEachImage(g, (ni, gi, p0, pc, cols) -> {
            int inBase = (ni * g.c + gi * cg) * g.hw(), dyBase = dyo + (ni * g.o + gi * og) * P + p0;
            if (g.direct()) {
                Gemm.sgemm(false, kc, pc, og, ws, wo + gi * og * kc, 1, kc, ds, dyBase, P, 1, dx, inBase + p0, g.hw());
            } else {
                Gemm.sgemm(false, kc, pc, og, ws, wo + gi * og * kc, 1, kc, ds, dyBase, P, 1, cols, 0, pc);
                im2col(dx, inBase, g, p0, pc, cols, true);
            }
        });
        return new HeapStorage(dx);
    }

    /**
     * @param x           (N, C, H, W) contiguous; not modified
     * @param dy          (N, O, outH, outW) contiguous; not modified
     * @param weightShape (O, C/groups, kH, kW)
     * @return dW of {@code weightShape}, summed over the batch
     */
    public static Storage backwardWeight(Tensor x, Tensor dy, int[] weightShape, ConvParams p) {
        Geo g = Geo.of(x.shape(), weightShape, p);
        checkOut(g, dy.shape());
        float[] xs = HeapStorage.of(x.storage()), ds = HeapStorage.of(dy.storage());
        int xo = x.layout().offset(), dyo = dy.layout().offset();
        int P = g.positions(), kc = g.kc(), og = g.og(), cg = g.cg();
        if (g.winograd(WINOGRAD_MIN_CHANNELS) && (long) g.o * g.c <= WINOGRAD_MAX_WEIGHTS && WinogradWeightGrad.applies(g.c, g.o)) {
            return new HeapStorage(WinogradWeightGrad.backwardWeight(g.wino(), xs, xo, ds, dyo));
        }
        if (g.implicit()) return new HeapStorage(CpuConvWeightGrad.backwardWeight(g.implicitGeo(), xs, xo, ds, dyo));
        if (g.winograd(WINOGRAD_MIN_CHANNELS_WEIGHT)) return new HeapStorage(CpuWinograd.backwardWeight(g.wino(), xs, xo, ds, dyo));
        float[] dw = TensorScope.zeroArray(g.o * kc);
        boolean partials = g.imagesInParallel();
        // With images on different threads each thread sums into its own copy, added at the end.
        ThreadLocal<float[]> mine = ThreadLocal.withInitial(() -> partials ? new float[dw.length] : dw);
        List<float[]> all = Collections.synchronizedList(new ArrayList<>());
        forEachImage(g, (ni, gi, p0, pc, cols) -> {
            float[] acc = mine.get();
            if (acc != dw && !all.contains(acc)) all.add(acc);
            int inBase = xo + (ni * g.c + gi * cg) * g.hw(), dyBase = dyo + (ni * g.o + gi * og) * P + p0;
            float[] src = xs;
            int base = inBase + p0, cs = g.hw();
            if (!g.direct()) {
                im2col(xs, inBase, g, p0, pc, cols, false);
                src = cols;
                base = 0;
                cs = pc;
            }
            Gemm.sgemm(true, og, kc, pc, ds, dyBase, P, 1, src, base, 1, cs, acc, gi * og * kc, kc);
        });
        for (float[] part : all) for (int i = 0; i < dw.length; i++) dw[i] += part[i];
        return new HeapStorage(dw);
    }

    /**
     * The same three results through {@link CpuWinograd} whatever the channel count (the weight
     * gradient through {@link WinogradWeightGrad} where its channel counts fit), or null when
     * the geometry is not one Winograd handles: lets tests cover that path on small cases.
     */
    static float[][] viaWinograd(Tensor x, Tensor w, Tensor dy, ConvParams p) {
        Geo g = Geo.of(x.shape(), w.shape(), p);
        if (!g.winogradShaped()) return null;
        float[] xs = HeapStorage.of(x.storage()), ws = HeapStorage.of(w.storage()), ds = HeapStorage.of(dy.storage());
        int xo = x.layout().offset(), wo = w.layout().offset(), dyo = dy.layout().offset();
        float[] y = new float[g.n * g.o * g.positions()], dx = new float[g.n * g.c * g.hw()];
        CpuWinograd.forward(g.wino(), xs, xo, ws, wo, y, false);
        CpuWinograd.backwardInput(g.wino(), ds, dyo, ws, wo, dx);
        float[] dw = WinogradWeightGrad.applies(g.c, g.o) ? WinogradWeightGrad.backwardWeight(g.wino(), xs, xo, ds, dyo)
                : CpuWinograd.backwardWeight(g.wino(), xs, xo, ds, dyo);
        return new float[][] {y, dx, dw};
    }

    private static void checkOut(Geo g, int[] dyShape) {
        int[] want = {g.n, g.o, g.oh, g.ow};
        if (!Arrays.equals(want, dyShape)) {
            throw new IllegalArgumentException("conv2d backward: dy " + Shapes.format(dyShape) + " should be " + Shapes.format(want));
        }
    }

    /** Work on output positions {@code [p0, p0+pc)} of group {@code gi} of image {@code ni}; cols is scratch. */
    @FunctionalInterface
    private interface Chunk {
        void run(int ni, int gi, int p0, int pc, float[] cols);
    }

    /** Runs {@code body} over every (image, group, column chunk), images in parallel when that balances. */
    private static void forEachImage(Geo g, Chunk body) {
        int chunk = g.chunk(), groups = g.p.groups();
        Parallel.Range images = (n0, n1) -> {
            float[] cols = g.direct() ? null : columns(g.kc() * chunk);
            for (int ni = n0; ni < n1; ni++) {
                for (int gi = 0; gi < groups; gi++) {
                    for (int p0 = 0; p0 < g.positions(); p0 += chunk) {
                        body.run(ni, gi, p0, Math.min(chunk, g.positions() - p0), cols);
                    }
                }
            }
        };
        if (g.imagesInParallel()) Parallel.range(g.n, images);
        else images.run(0, g.n);
    }

    private static float[] columns(int n) {
        float[][] holder = COLS.get();
        if (holder[0].length < n) holder[0] = new float[n];
        return holder[0];
    }

    /**
     * im2col ({@code add == false}): {@code cols[r*pc + (q-p0)] = x[tap r of position q]}, 0 in the
     * padding; col2im ({@code add == true}): the adjoint, {@code x[tap] += cols[...]}. Row r is
     * (channel, kernel row, kernel col) of group-local input planes starting at {@code base}. Rows
     * split across threads by channel, so col2im's scatter-adds of one thread never meet another's.
     */
    static void im2col(float[] x, int base, Geo g, int p0, int pc, float[] cols, boolean add) {
        int taps = g.kh * g.kw;
        Parallel.range(g.cg(), Math.max(1, (1 << 15) / Math.max(1, taps * pc)), (c0, c1) -> {
            for (int r = c0 * taps; r < c1 * taps; r++) {
                int ci = r / taps, ki = (r / g.kw) % g.kh, kj = r % g.kw;
                int plane = base + ci * g.hw(), dst = r * pc;
                for (int q = p0, end = p0 + pc; q < end; ) {
                    int oh = q / g.ow, ow0 = q % g.ow, ow1 = Math.min(g.ow, ow0 + end - q);
                    int o = dst + q - p0;
                    int ih = oh * g.p.strideH() - g.p.padH() + ki * g.p.dilationH();
                    if (ih >= 0 && ih < g.h) {
                        row(x, plane + ih * g.w, g, kj * g.p.dilationW() - g.p.padW(), ow0, ow1, cols, o, add);
                    } else if (!add) {
                        Arrays.fill(cols, o, o + ow1 - ow0, 0f);
                    }
                    q += ow1 - ow0;
                }
            }
        });
    }

    /** One output-row segment {@code [ow0, ow1)} of one im2col row: in-bounds span copied, rest zero. */
    private static void row(float[] x, int rowBase, Geo g, int shift, int ow0, int ow1, float[] cols, int o, boolean add) {
        int s = g.p.strideW();
        // iw = ow*s + shift lies in [0, W) for ow in [lo, hi).
        int lo = Math.min(ow1, Math.max(ow0, shift >= 0 ? 0 : (-shift + s - 1) / s));
        int hi = Math.max(lo, Math.min(ow1, g.w - 1 - shift < 0 ? 0 : (g.w - 1 - shift) / s + 1));
        int from = rowBase + lo * s + shift, at = o + lo - ow0;
        if (add) {
            for (int t = 0; t < hi - lo; t++) x[from + t * s] += cols[at + t];
            return;
        }
        Arrays.fill(cols, o, at, 0f);
        if (s == 1) System.arraycopy(x, from, cols, at, hi - lo);
        else for (int t = 0; t < hi - lo; t++) cols[at + t] = x[from + t * s];
        Arrays.fill(cols, at + hi - lo, o + ow1 - ow0, 0f);
    }
}
