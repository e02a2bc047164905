package diffusion4j.kernels.opencl;

import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;

/**
 * unfold (im2col) and fold (col2im) on the device ({@code unfold.cl}); conv2d uses the same two
 * kernels on chunks of images or window positions. im2col gives each work-item one column element;
 * col2im is owner-computes (each work-item sums the column entries of its own input element), so
 * neither needs atomics.
 */
public final class ClUnfold {
    private ClUnfold() {}

    /** Sizes of one sliding-window geometry: input planes (C, H, W), window (kH, kW), grid (outH, outW). */
    record Window(int c, int h, int w, int kh, int kw, ConvParams p, int oh, int ow) {
        static Window of(int c, int h, int w, int kh, int kw, ConvParams p) {
            return new Window(c, h, w, kh, kw, p, p.outH(h, kh), p.outW(w, kw));
        }

        int taps() { return kh * kw; }
        int positions() { return oh * ow; }
        int hw() { return h * w; }

        /** The GEOMETRY arguments of {@code unfold.cl}, in its order. */
        Object[] args() {
            return new Object[] {c, h, w, kh, kw, p.strideH(), p.strideW(), p.padH(), p.padW(), p.dilationH(), p.dilationW(), oh, ow};
        }
    }

    /**
     * @param x (N, C, H, W); not modified (any strides)
     * @return (N, C, kH*kW, outH, outW); window positions in the padding read {@code padValue}
     */
    public static Storage unfold(ClRuntime rt, Tensor x, int kH, int kW, ConvParams p, float padValue) {
        Layout l = x.layout();
        if (l.rank() != 4) throw new IllegalArgumentException("unfold: expected x (N, C, H, W), got " + Shapes.format(l.shape()));
        Window g = Window.of(l.dim(1), l.dim(2), l.dim(3), kH, kW, p);
        int n = l.dim(0);
        ClStorage out = rt.allocate(n * g.c * g.taps() * g.positions());
        im2col(rt, ClStorage.of(x.storage()), l.offset(), l.strides(), g, n, 0, g.positions(), padValue, out);
        return out;
    }

    /**
     * @param cols       (N, C, kH*kW, outH, outW); not modified (any strides)
     * @param inputShape (N, C, H, W)
     * @return {@code inputShape}, each input element the sum of the column entries that read it
     */
    public static Storage fold(ClRuntime rt, Tensor cols, int[] inputShape, int kH, int kW, ConvParams p) {
        Window g = Window.of(inputShape[1], inputShape[2], inputShape[3], kH, kW, p);
        Layout l = cols.layout();
        int[] want = {inputShape[0], g.c, g.taps(), g.oh, g.ow};
        if (!java.util.Arrays.equals(l.shape(), want)) {
            throw new IllegalArgumentException("fold: cols " + Shapes.format(l.shape()) + " should be " + Shapes.format(want));
        }
        ClStorage out = rt.allocate(Shapes.numel(inputShape));
        col2im(rt, ClStorage.of(cols.storage()), l.offset(), l.strides(), g, inputShape[0], 0, g.positions(), false, out, 0);
        return out;
    }

    /**
     * Columns of window positions {@code [p0, p0+pc)} of {@code images} images into {@code cols}
     * (images, C*kH*kW, pc), dense from 0. x strides: (n, c, y, x).
     */
    static void im2col(ClRuntime rt, ClStorage x, int xOff, int[] xs, Window g, int images, int p0, int pc, float padValue,
                       ClStorage cols) {
        int total = images * g.c * g.taps() * pc;
        ClLaunch.perElement(rt, rt.kernel("unfold.cl", "im2col", ""), total,
                concat(new Object[] {total, x, xOff, xs[0], xs[1], xs[2], xs[3]}, g.args(),
                        new Object[] {p0, pc, padValue, cols, 0}));
    }

    /**
     * Sums columns of window positions {@code [p0, p0+pc)} into {@code images} dense input images of
     * {@code x} from {@code xOff}, overwriting them or (accumulate) adding. Column element
     * (n, c, t, oy, ox) is at {@code colsOff + n*cs[0] + c*cs[1] + t*cs[2] + oy*cs[3] + ox*cs[4]}.
     */
    static void col2im(ClRuntime rt, ClStorage cols, int colsOff, int[] cs, Window g, int images, int p0, int pc,
                       boolean accumulate, ClStorage x, int xOff) {
        int total = images * g.c * g.hw();
        ClLaunch.perElement(rt, rt.kernel("unfold.cl", "col2im", ""), total,
                concat(new Object[] {total, cols, colsOff, cs[0], cs[1], cs[2], cs[3], cs[4]}, g.args(),
                        new Object[] {p0, pc, accumulate ? 1 : 0, x, xOff}));
    }

    private static Object[] concat(Object[]... parts) {
        int n = 0;
        for (Object[] p : parts) n += p.length;
        Object[] all = new Object[n];
        int i = 0;
        for (Object[] p : parts) {
            System.arraycopy(p, 0, all, i, p.length);
            i += p.length;
        }
        return all;
    }
}
