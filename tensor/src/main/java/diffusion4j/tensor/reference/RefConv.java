package diffusion4j.tensor.reference;

import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Shapes;

/**
 * conv2d, its two backward kernels, unfold and fold, on dense double arrays.
 *
 * <p>Why one enumeration: conv2d, its input gradient and its weight gradient are the same bilinear
 * form {@code sum over taps of x[xi] * w[wi] * dy[yi]}, differentiated in each argument. All three
 * walk the one list of (input, weight, output) index triples from {@link #forEachTap}, so the
 * backward kernels are the exact adjoints of the forward by construction, including every corner of
 * stride, padding, dilation and groups. unfold and fold share {@link #forEachWindowTap} the same way.
 */
final class RefConv {
    private RefConv() {}

    /** One term of the convolution sum: dense indices into x, w and y. */
    @FunctionalInterface
    interface Tap {
        void at(int xi, int wi, int yi);
    }

    /** One element of the unfolded columns: dense index into cols, and into x or -1 in the padding. */
    @FunctionalInterface
    interface WindowTap {
        void at(int ci, int xi);
    }

    /** (N, O, outH, outW) of a convolution of x (N, C, H, W) with w (O, C/groups, kH, kW). */
    static int[] outShape(int[] xShape, int[] wShape, ConvParams p) {
        return new int[] {xShape[0], wShape[0], p.outH(xShape[2], wShape[2]), p.outW(xShape[3], wShape[3])};
    }

    /**
     * Visits every in-bounds tap of a 2-D cross-correlation: y[n, o, oh, ow] reads
     * x[n, g*Cg + cg, oh*sH - pH + kh*dH, ow*sW - pW + kw*dW] * w[o, cg, kh, kw] with g = o / (O/groups).
     * Taps landing in the zero padding are skipped (they contribute nothing). For a fixed output
     * element the taps come in order cg, kh, kw.
     */
    static void forEachTap(int[] xShape, int[] wShape, ConvParams p, Tap tap) {
        int n = xShape[0], c = xShape[1], h = xShape[2], w = xShape[3];
        int o = wShape[0], cg = wShape[1], kh = wShape[2], kw = wShape[3];
        int groups = p.groups();
        if (c != cg * groups || o % groups != 0) {
            throw new IllegalArgumentException("conv2d: input " + Shapes.format(xShape) + " and weight " + Shapes.format(wShape)
                    + " do not match " + groups + " group(s)");
        }
        int og = o / groups, oh = p.outH(h, kh), ow = p.outW(w, kw);
        for (int ni = 0; ni < n; ni++) {
            for (int oi = 0; oi < o; oi++) {
                int g = oi / og;
                for (int y = 0; y < oh; y++) {
                    for (int x = 0; x < ow; x++) {
                        int yi = ((ni * o + oi) * oh + y) * ow + x;
                        for (int ci = 0; ci < cg; ci++) {
                            int xc = g * cg + ci;
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = y * p.strideH() - p.padH() + ky * p.dilationH();
                                if (iy < 0 || iy >= h) continue;
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = x * p.strideW() - p.padW() + kx * p.dilationW();
                                    if (ix < 0 || ix >= w) continue;
                                    tap.at(((ni * c + xc) * h + iy) * w + ix, ((oi * cg + ci) * kh + ky) * kw + kx, yi);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * @param x (N, C, H, W)
     * @param w (O, C/groups, kH, kW)
     * @param bias (O) or null
     * @return (N, O, outH, outW)
     */
    static double[] conv2d(double[] x, int[] xShape, double[] w, int[] wShape, double[] bias, ConvParams p) {
        int[] yShape = outShape(xShape, wShape, p);
        double[] y = new double[Shapes.numel(yShape)];
        forEachTap(xShape, wShape, p, (xi, wi, yi) -> y[yi] += x[xi] * w[wi]);
        if (bias != null) {
            int plane = yShape[2] * yShape[3];
            for (int i = 0; i < y.length; i++) y[i] += bias[(i / plane) % yShape[1]];
        }
        return y;
    }

    /** dL/dx of conv2d: dy (N, O, outH, outW), w (O, C/groups, kH, kW); returns {@code xShape}. */
    static double[] backwardInput(double[] dy, double[] w, int[] xShape, int[] wShape, ConvParams p) {
        double[] dx = new double[Shapes.numel(xShape)];
        forEachTap(xShape, wShape, p, (xi, wi, yi) -> dx[xi] += dy[yi] * w[wi]);
        return dx;
    }

    /** dL/dw of conv2d: x (N, C, H, W), dy (N, O, outH, outW); returns {@code wShape}. */
    static double[] backwardWeight(double[] x, double[] dy, int[] xShape, int[] wShape, ConvParams p) {
        double[] dw = new double[Shapes.numel(wShape)];
        forEachTap(xShape, wShape, p, (xi, wi, yi) -> dw[wi] += x[xi] * dy[yi]);
        return dw;
    }

    /**
     * Visits every element of the columns (N, C, kH*kW, outH, outW) in row-major order with the
     * input element it copies: x[n, c, oh*sH - pH + kh*dH, ow*sW - pW + kw*dW], or -1 in the padding.
     * Groups play no part in unfold.
     */
    static void forEachWindowTap(int[] xShape, int kh, int kw, ConvParams p, WindowTap tap) {
        int n = xShape[0], c = xShape[1], h = xShape[2], w = xShape[3];
        int oh = p.outH(h, kh), ow = p.outW(w, kw);
        int ci = 0;
        for (int ni = 0; ni < n; ni++) {
            for (int xc = 0; xc < c; xc++) {
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        for (int y = 0; y < oh; y++) {
                            int iy = y * p.strideH() - p.padH() + ky * p.dilationH();
                            for (int x = 0; x < ow; x++, ci++) {
                                int ix = x * p.strideW() - p.padW() + kx * p.dilationW();
                                boolean inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                                tap.at(ci, inside ? ((ni * c + xc) * h + iy) * w + ix : -1);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Shape (N, C, kH*kW, outH, outW) of the columns of x (N, C, H, W). */
    static int[] colsShape(int[] xShape, int kh, int kw, ConvParams p) {
        return new int[] {xShape[0], xShape[1], kh * kw, p.outH(xShape[2], kh), p.outW(xShape[3], kw)};
    }

    /** im2col: x (N, C, H, W) to (N, C, kH*kW, outH, outW); padding reads {@code padValue}. */
    static double[] unfold(double[] x, int[] xShape, int kh, int kw, ConvParams p, double padValue) {
        double[] cols = new double[Shapes.numel(colsShape(xShape, kh, kw, p))];
        forEachWindowTap(xShape, kh, kw, p, (ci, xi) -> cols[ci] = xi < 0 ? padValue : x[xi]);
        return cols;
    }

    /** col2im, the adjoint of unfold: columns summed into {@code xShape}; padding entries are dropped. */
    static double[] fold(double[] cols, int[] xShape, int kh, int kw, ConvParams p) {
        double[] x = new double[Shapes.numel(xShape)];
        forEachWindowTap(xShape, kh, kw, p, (ci, xi) -> {
            if (xi >= 0) x[xi] += cols[ci];
        });
        return x;
    }
}
