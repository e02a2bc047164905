package diffusion4j.kernels.cpu;

import diffusion4j.kernels.cpu.Strided.DenseView;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import java.util.Arrays;

/**
 * unfold (im2col) and its adjoint fold (col2im). Each output row of unfold is one
 * (n, c, kernel tap) and is written by one task; along a row of the window grid only the
 * positions whose input column falls inside the image read it (one array copy when the stride is
 * 1), the rest take the pad value. fold gives each task one (n, c) input plane, which receives from
 * that plane's kH*kW column rows only, so tasks never write the same element and the additions
 * happen in the order of a serial loop over the columns.
 */
final class CpuUnfold {
    private CpuUnfold() {}

    /** @param x (N, C, H, W). Output (N, C, kH*kW, outH, outW); padding positions read padValue. */
    static Storage unfold(Tensor x, int kH, int kW, ConvParams p, float padValue) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        int oh = p.outH(h, kH), ow = p.outW(w, kW), plane = oh * ow, taps = kH * kW;
        DenseView xv = DenseView.of(x);
        float[] out = TensorScope.zeroArray(n * c * taps * plane);
        Parallel.range(n * c * taps, Math.max(1, 4096 / Math.max(1, plane)), (start, end) -> {
            for (int t = start; t < end; t++) {
                int src = xv.off() + (t / taps) * h * w, kh = (t % taps) / kW, kw = t % kW;
                int shiftW = kw * p.dilationW() - p.padW();
                int lo = lo(shiftW, p.strideW(), ow), hi = hi(shiftW, p.strideW(), w, ow, lo);
                for (int y = 0; y < oh; y++) {
                    int iy = y * p.strideH() - p.padH() + kh * p.dilationH(), row = t * plane + y * ow;
                    if (iy < 0 || iy >= h) {
                        Arrays.fill(out, row, row + ow, padValue);
                        continue;
                    }
                    Arrays.fill(out, row, row + lo, padValue);
                    Arrays.fill(out, row + hi, row + ow, padValue);
                    int s = src + iy * w + shiftW;
                    if (p.strideW() == 1) {
                        if (hi > lo) System.arraycopy(xv.a(), s + lo, out, row + lo, hi - lo);
                    } else {
                        for (int xx = lo; xx < hi; xx++) out[row + xx] = xv.a()[s + xx * p.strideW()];
                    }
                }
            }
        });
        return new HeapStorage(out);
    }

    /** @param cols (N, C, kH*kW, outH, outW). Output {@code inputShape} (N, C, H, W), overlapping windows summed. */
    static Storage fold(Tensor cols, int[] inputShape, int kH, int kW, ConvParams p) {
        int n = inputShape[0], c = inputShape[1], h = inputShape[2], w = inputShape[3];
        int oh = p.outH(h, kH), ow = p.outW(w, kW), plane = oh * ow, taps = kH * kW;
        DenseView cv = DenseView.of(cols);
        float[] out = TensorScope.zeroArray(n * c * h * w);
        Parallel.range(n * c, Math.max(1, 4096 / Math.max(1, taps * plane)), (start, end) -> {
            for (int nc = start; nc < end; nc++) {
                int dst = nc * h * w;
                for (int tap = 0; tap < taps; tap++) {
                    int kh = tap / kW, kw = tap % kW, shiftW = kw * p.dilationW() - p.padW();
                    int lo = lo(shiftW, p.strideW(), ow), hi = hi(shiftW, p.strideW(), w, ow, lo);
                    int src = cv.off() + (nc * taps + tap) * plane;
                    for (int y = 0; y < oh; y++) {
                        int iy = y * p.strideH() - p.padH() + kh * p.dilationH();
                        if (iy < 0 || iy >= h) continue;
                        int d = dst + iy * w + shiftW, s = src + y * ow;
                        for (int xx = lo; xx < hi; xx++) out[d + xx * p.strideW()] += cv.a()[s + xx];
                    }
                }
            }
        });
        return new HeapStorage(out);
    }

    /** First window column whose input column {@code x * stride + shift} is >= 0 (at most ow). */
    private static int lo(int shift, int stride, int ow) {
        return Math.min(ow, Math.max(0, Math.ceilDiv(-shift, stride)));
    }

    /** One past the last window column whose input column is < w, at least {@code lo}. */
    private static int hi(int shift, int stride, int w, int ow, int lo) {
        return Math.max(lo, Math.min(ow, Math.floorDiv(w - 1 - shift, stride) + 1));
    }
}
