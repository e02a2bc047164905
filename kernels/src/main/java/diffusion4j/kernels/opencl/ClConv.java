package diffusion4j.kernels.opencl;

import diffusion4j.kernels.opencl.ClMatmul.Mat;
import diffusion4j.kernels.opencl.ClUnfold.Window;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import java.util.Arrays;

/**
 * conv2d and its two gradients as im2col ({@code unfold.cl}) + the batched SGEMM of
 * {@link ClMatmul}. With Kc = C/g * kH * kW and P = outH * outW:
 * <pre>
 * forward          y_g  (O/g x P)  = W_g (O/g x Kc)  * cols (Kc x P)      (+ bias, pre-filled)
 * backward input   cols (Kc x P)   = W_g^T           * dy_g (O/g x P), then col2im into dx
 * backward weight  dW_g (O/g x Kc) += dy_g           * cols^T             (summed over images)
 * </pre>
 * Columns are built for a chunk of images at a time (or, when one image alone exceeds
 * {@link #COL_BUDGET} floats, a chunk of its window positions), so device scratch stays bounded.
 * One GEMM launch covers a whole chunk: its batch runs over (image, group) pairs, the weight
 * repeating every {@code groups} entries ({@code aMod}) while columns and outputs advance linearly,
 * because the (image, group) blocks of both are laid out in that order. Transposed weights and
 * columns are strides, never copies. A 1x1, stride-1, unpadded convolution skips im2col: the input
 * planes are the columns.
 */
public final class ClConv {
    private ClConv() {}

    /** Most floats of unfolded columns held at once (64 MiB). */
    static final int COL_BUDGET = 1 << 24;

    /** Sizes of one convolution: the window geometry plus batch, output channels and groups. */
    private record Geo(int n, int o, Window win, int budget) {
        static Geo of(int[] x, int[] wt, ConvParams p, int budget) {
            if (x.length != 4 || wt.length != 4 || x[1] != wt[1] * p.groups() || wt[0] % p.groups() != 0) {
                throw new IllegalArgumentException("conv2d: input " + Shapes.format(x) + " and weight " + Shapes.format(wt)
                        + " do not match " + p.groups() + " group(s)");
            }
            if (budget < 1) throw new IllegalArgumentException("conv2d: column budget must be >= 1, got " + budget);
            return new Geo(x[0], wt[0], Window.of(x[1], x[2], x[3], wt[2], wt[3], p), budget);
        }

        int groups() { return win.p().groups(); }
        int cg() { return win.c() / groups(); }
        int og() { return o / groups(); }
        int kc() { return cg() * win.taps(); }
        int positions() { return win.positions(); }

        boolean direct() {
            ConvParams p = win.p();
            return win.kh() == 1 && win.kw() == 1 && p.strideH() == 1 && p.strideW() == 1 && p.padH() == 0 && p.padW() == 0;
        }

        /** Column floats of one image. */
        long perImage() { return (long) win.c() * win.taps() * positions(); }

        /** Images per chunk, or 1 when one image is split into position chunks. */
        int images() { return (int) Math.max(1, Math.min(n, budget / perImage())); }

        /** Window positions per chunk: all of them unless one image exceeds the budget. */
        int positionsPerChunk() {
            return perImage() <= budget ? positions() : Math.max(1, budget / (win.c() * win.taps()));
        }

        /** Floats of the column scratch: one chunk's worth. */
        int colFloats() {
            return (int) (perImage() <= budget ? images() * perImage() : (long) win.c() * win.taps() * positionsPerChunk());
        }

        void checkOut(int[] dy) {
            int[] want = {n, o, win.oh(), win.ow()};
            if (!Arrays.equals(want, dy)) {
                throw new IllegalArgumentException("conv2d backward: dy " + Shapes.format(dy) + " should be " + Shapes.format(want));
            }
        }
    }

    /** A chunk: images [n0, n0+nc), window positions [p0, p0+pc). */
    @FunctionalInterface
    private interface Chunk {
        void run(int n0, int nc, int p0, int pc);
    }

    private static void forEachChunk(Geo g, Chunk body) {
        int nc = g.images(), pc = g.positionsPerChunk();
        for (int n0 = 0; n0 < g.n; n0 += nc) {
            for (int p0 = 0; p0 < g.positions(); p0 += pc) body.run(n0, Math.min(nc, g.n - n0), p0, Math.min(pc, g.positions() - p0));
        }
    }

    /** Fills cols (images, C*kH*kW, pc) from images [n0, n0+nc) of the contiguous x. */
    private static void im2col(ClRuntime rt, Geo g, ClStorage x, int xOff, int n0, int nc, int p0, int pc, ClStorage cols) {
        Window w = g.win;
        int[] strides = {w.c() * w.hw(), w.hw(), w.w(), 1};
        ClUnfold.im2col(rt, x, xOff + n0 * w.c() * w.hw(), strides, w, nc, p0, pc, 0f, cols);
    }

    /** The weight (O, C/g, kH, kW) as g matrices (O/g x Kc), or transposed (Kc x O/g). */
    private static Mat weight(Geo g, Tensor w, boolean transposed) {
        int kc = g.kc();
        return new Mat(ClStorage.of(w.storage()), w.layout().offset(), g.og() * kc, transposed ? 1 : kc, transposed ? kc : 1);
    }

    /**
     * @param x    (N, C, H, W) contiguous; not modified
     * @param w    (O, C/groups, kH, kW) contiguous; not modified
     * @param bias (O) or null
     * @return (N, O, outH, outW)
     */
    public static Storage conv2d(ClRuntime rt, Tensor x, Tensor w, Tensor bias, ConvParams p) {
        return conv2d(rt, x, w, bias, p, COL_BUDGET);
    }

    /** {@link #conv2d} with at most {@code budget} floats of columns at once (tests force chunking with a small one). */
    static Storage conv2d(ClRuntime rt, Tensor x, Tensor w, Tensor bias, ConvParams p, int budget) {
        Geo g = Geo.of(x.shape(), w.shape(), p, budget);
        int P = g.positions(), G = g.groups(), og = g.og(), kc = g.kc(), hw = g.win.hw();
        ClStorage y = rt.allocate(g.n * g.o * P), xs = ClStorage.of(x.storage());
        int xOff = x.layout().offset();
        if (bias != null) {
            int total = g.n * g.o * P;
            ClLaunch.perElement(rt, rt.kernel("conv.cl", "bias_fill", ""), total,
                    total, ClStorage.of(bias.storage()), bias.layout().offset(), g.o, P, y);
        }
        Mat wm = weight(g, w, false);
        if (g.direct()) {
            ClMatmul.gemm(rt, g.n * G, og, P, kc, wm, G, new Mat(xs, xOff, g.cg() * hw, hw, 1), new Mat(y, 0, og * P, P, 1), bias != null);
            return y;
        }
        ClStorage cols = rt.allocate(g.colFloats());
        forEachChunk(g, (n0, nc, p0, pc) -> {
            im2col(rt, g, xs, xOff, n0, nc, p0, pc, cols);
            ClMatmul.gemm(rt, nc * G, og, pc, kc, wm, G, new Mat(cols, 0, kc * pc, pc, 1),
                    new Mat(y, n0 * g.o * P + p0, og * P, P, 1), bias != null);
        });
        return y;
    }

    /**
     * @param dy         (N, O, outH, outW) contiguous; not modified
     * @param w          (O, C/groups, kH, kW) contiguous; not modified
     * @param inputShape (N, C, H, W)
     * @return dx of {@code inputShape}
     */
    public static Storage backwardInput(ClRuntime rt, Tensor dy, Tensor w, int[] inputShape, ConvParams p) {
        return backwardInput(rt, dy, w, inputShape, p, COL_BUDGET);
    }

    /** {@link #backwardInput} with at most {@code budget} floats of columns at once. */
    static Storage backwardInput(ClRuntime rt, Tensor dy, Tensor w, int[] inputShape, ConvParams p, int budget) {
        Geo g = Geo.of(inputShape, w.shape(), p, budget);
        g.checkOut(dy.shape());
        int P = g.positions(), G = g.groups(), og = g.og(), kc = g.kc(), hw = g.win.hw(), c = g.win.c();
        ClStorage dx = rt.allocate(g.n * c * hw), dys = ClStorage.of(dy.storage());
        int dyOff = dy.layout().offset();
        Mat wt = weight(g, w, true);
        if (g.direct()) {
            ClMatmul.gemm(rt, g.n * G, kc, P, og, wt, G, new Mat(dys, dyOff, og * P, P, 1), new Mat(dx, 0, g.cg() * hw, hw, 1), false);
            return dx;
        }
        ClStorage cols = rt.allocate(g.colFloats());
        forEachChunk(g, (n0, nc, p0, pc) -> {
            ClMatmul.gemm(rt, nc * G, kc, pc, og, wt, G, new Mat(dys, dyOff + n0 * g.o * P + p0, og * P, P, 1),
                    new Mat(cols, 0, kc * pc, pc, 1), false);
            int[] cs = {c * g.win.taps() * pc, g.win.taps() * pc, pc, g.win.ow(), 1};
            // Offset -p0 puts window position p0 at column element 0 (see col2im); later position chunks add.
            ClUnfold.col2im(rt, cols, -p0, cs, g.win, nc, p0, pc, p0 > 0, dx, n0 * c * hw);
        });
        return dx;
    }

    /**
     * @param x           (N, C, H, W) contiguous; not modified
     * @param dy          (N, O, outH, outW) contiguous; not modified
     * @param weightShape (O, C/groups, kH, kW)
     * @return dW of {@code weightShape}, summed over the batch
     */
    public static Storage backwardWeight(ClRuntime rt, Tensor x, Tensor dy, int[] weightShape, ConvParams p) {
        return backwardWeight(rt, x, dy, weightShape, p, COL_BUDGET);
    }

    /** {@link #backwardWeight} with at most {@code budget} floats of columns at once. */
    static Storage backwardWeight(ClRuntime rt, Tensor x, Tensor dy, int[] weightShape, ConvParams p, int budget) {
        Geo g = Geo.of(x.shape(), weightShape, p, budget);
        g.checkOut(dy.shape());
        int P = g.positions(), G = g.groups(), og = g.og(), kc = g.kc(), hw = g.win.hw(), c = g.win.c();
        ClStorage dw = rt.zeros(g.o * kc), xs = ClStorage.of(x.storage()), dys = ClStorage.of(dy.storage());
        int xOff = x.layout().offset(), dyOff = dy.layout().offset();
        Mat dwm = new Mat(dw, 0, og * kc, kc, 1);
        // One launch per image (batch = groups): the image sum is a sum of GEMMs, accumulated into dW.
        if (g.direct()) {
            for (int ni = 0; ni < g.n; ni++) {
                ClMatmul.gemm(rt, G, og, kc, P, new Mat(dys, dyOff + ni * g.o * P, og * P, P, 1), G,
                        new Mat(xs, xOff + ni * c * hw, g.cg() * hw, 1, hw), dwm, true);
            }
            return dw;
        }
        ClStorage cols = rt.allocate(g.colFloats());
        forEachChunk(g, (n0, nc, p0, pc) -> {
            im2col(rt, g, xs, xOff, n0, nc, p0, pc, cols);
            for (int li = 0; li < nc; li++) {
                ClMatmul.gemm(rt, G, og, kc, pc, new Mat(dys, dyOff + (n0 + li) * g.o * P + p0, og * P, P, 1), G,
                        new Mat(cols, li * c * g.win.taps() * pc, kc * pc, 1, pc), dwm, true);
            }
        });
        return dw;
    }
}
