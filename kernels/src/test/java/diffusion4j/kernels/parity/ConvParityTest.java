package diffusion4j.kernels.parity;

import diffusion4j.kernels.parity.Parity.Pair;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Device;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * unfold, fold and conv2d (forward, input gradient, weight gradient) against the reference, over
 * geometries with stride, padding, dilation and groups away from their defaults, odd sizes, and
 * windows whose padding covers whole output rows.
 */
class ConvParityTest {
    private static final double ATOL = 1e-4, RTOL = 1e-4;

    /** x (N, C, H, W), kernel kH x kW, params. */
    private record Geo(int n, int c, int h, int w, int kh, int kw, ConvParams p) {
        int oh() { return p.outH(h, kh); }
        int ow() { return p.outW(w, kw); }
        int[] x() { return new int[] {n, c, h, w}; }
        int[] cols() { return new int[] {n, c, kh * kw, oh(), ow()}; }
    }

    private static final List<Geo> GEOS = List.of(
            new Geo(1, 1, 1, 1, 1, 1, ConvParams.DEFAULT),
            new Geo(2, 3, 7, 9, 3, 3, ConvParams.DEFAULT),
            new Geo(2, 3, 7, 9, 3, 2, ConvParams.of(1, 1)),
            new Geo(1, 4, 9, 7, 3, 3, new ConvParams(2, 3, 1, 2, 1, 1, 2)),
            new Geo(2, 6, 11, 10, 3, 3, new ConvParams(2, 1, 1, 2, 2, 1, 3)),
            new Geo(1, 2, 5, 5, 2, 2, new ConvParams(3, 3, 3, 3, 1, 1, 1)), // padding wider than the stride: all-pad rows
            new Geo(1, 2, 17, 33, 4, 5, new ConvParams(1, 2, 2, 0, 3, 2, 2)));

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void unfoldAndFold(Device device) {
        long seed = 1;
        for (Geo g : GEOS) {
            Pair x = Parity.randn(device, seed++, g.x());
            for (float pad : new float[] {0f, Float.NEGATIVE_INFINITY, 1.5f}) {
                Parity.close("unfold " + g + " pad " + pad, device, g.cols(), 0, 0, b -> b.unfold(x.on(b), g.kh(), g.kw(), g.p(), pad));
            }
            Pair cols = Parity.randn(device, seed++, g.cols());
            Parity.close("fold " + g, device, g.x(), ATOL, RTOL, b -> b.fold(cols.on(b), g.x(), g.kh(), g.kw(), g.p()));
            // fold of a transposed view of the columns: the kernel must not assume a dense input.
            int[] t = g.cols();
            Pair colsT = Parity.randn(device, seed++, t[0], t[1], t[2], t[4], t[3]).view(v -> v.transpose(3, 4));
            Parity.close("fold of a transposed view " + g, device, g.x(), ATOL, RTOL, b -> b.fold(colsT.on(b), g.x(), g.kh(), g.kw(), g.p()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void conv2dForwardAndBackward(Device device) {
        long seed = 100;
        for (Geo g : GEOS) {
            int groups = g.p().groups(), o = 2 * groups;
            int[] wShape = {o, g.c() / groups, g.kh(), g.kw()}, yShape = {g.n(), o, g.oh(), g.ow()};
            int depth = g.c() / groups * g.kh() * g.kw();
            double atol = ATOL * Math.sqrt(depth);
            Pair x = Parity.randn(device, seed++, g.x()), w = Parity.randn(device, seed++, wShape), bias = Parity.randn(device, seed++, o);
            Pair dy = Parity.randn(device, seed++, yShape);
            Parity.close("conv2d " + g, device, yShape, atol, RTOL, b -> b.conv2d(x.on(b), w.on(b), bias.on(b), g.p()));
            Parity.close("conv2d no bias " + g, device, yShape, atol, RTOL, b -> b.conv2d(x.on(b), w.on(b), null, g.p()));
            Parity.close("conv2d backward input " + g, device, g.x(), ATOL * Math.sqrt(o * g.kh() * g.kw()), RTOL,
                    b -> b.conv2dBackwardInput(dy.on(b), w.on(b), g.x(), g.p()));
            Parity.close("conv2d backward weight " + g, device, wShape, ATOL * Math.sqrt(g.n() * g.oh() * g.ow()), RTOL,
                    b -> b.conv2dBackwardWeight(x.on(b), dy.on(b), wShape, g.p()));
        }
    }
}
