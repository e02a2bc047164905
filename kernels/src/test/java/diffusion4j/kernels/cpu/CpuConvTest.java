package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmTesting.assertClose;
import static diffusion4j.kernels.cpu.GemmTesting.random;
import static diffusion4j.kernels.cpu.GemmTesting.values;
import static diffusion4j.kernels.cpu.GemmTesting.view;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * conv2d and both gradients against a direct seven-loop convolution in double written here, and
 * against the reference backend, over stride, padding, dilation, groups, depthwise, 1x1 and
 * inputs that start at a non-zero storage offset.
 */
class CpuConvTest {
    private static final double TOL = 2e-5;

    /** One conv case: x (n, c, h, w), weight (o, c/groups, kh, kw). */
    private record Case(int n, int c, int h, int w, int o, int kh, int kw, ConvParams p) {
        int oh() { return p.outH(h, kh); }
        int ow() { return p.outW(w, kw); }
        int[] x() { return new int[] {n, c, h, w}; }
        int[] wt() { return new int[] {o, c / p.groups(), kh, kw}; }
        int[] y() { return new int[] {n, o, oh(), ow()}; }
    }

    @FunctionalInterface
    private interface Tap {
        void at(int xi, int wi, int yi);
    }

    /** Every in-bounds (x, w, y) index triple of the convolution sum, straight from the definition. */
    private static void taps(Case k, Tap tap) {
        int g = k.p.groups(), cg = k.c / g, og = k.o / g;
        for (int n = 0; n < k.n; n++) for (int o = 0; o < k.o; o++) for (int y = 0; y < k.oh(); y++) for (int x = 0; x < k.ow(); x++) {
            int yi = ((n * k.o + o) * k.oh() + y) * k.ow() + x;
            for (int ci = 0; ci < cg; ci++) for (int a = 0; a < k.kh; a++) for (int b = 0; b < k.kw; b++) {
                int iy = y * k.p.strideH() - k.p.padH() + a * k.p.dilationH();
                int ix = x * k.p.strideW() - k.p.padW() + b * k.p.dilationW();
                if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
                int c = (o / og) * cg + ci;
                tap.at(((n * k.c + c) * k.h + iy) * k.w + ix, ((o * cg + ci) * k.kh + a) * k.kw + b, yi);
            }
        }
    }

    private static int numel(int[] s) {
        int n = 1;
        for (int d : s) n *= d;
        return n;
    }

    /** Dense tensor over {@code data} with the first {@code pad} storage elements unused. */
    private static Tensor offsetTensor(float[] data, int pad, int[] shape) {
        float[] s = new float[pad + data.length];
        System.arraycopy(data, 0, s, pad, data.length);
        return view(s, new Layout(shape, diffusion4j.tensor.Shapes.contiguousStrides(shape), pad));
    }

    private static void check(Case k, boolean withBias, long seed) {
        Random r = new Random(seed);
        float[] x = random(r, numel(k.x())), w = random(r, numel(k.wt())), dy = random(r, numel(k.y())), b = random(r, k.o);
        double[] y = new double[numel(k.y())], dx = new double[x.length], dw = new double[w.length];
        taps(k, (xi, wi, yi) -> {
            y[yi] += (double) x[xi] * w[wi];
            dx[xi] += (double) dy[yi] * w[wi];
            dw[wi] += (double) dy[yi] * x[xi];
        });
        if (withBias) for (int i = 0; i < y.length; i++) y[i] += b[(i / (k.oh() * k.ow())) % k.o];
        Tensor tx = offsetTensor(x, 3, k.x()), tw = offsetTensor(w, 1, k.wt()), tdy = offsetTensor(dy, 2, k.y());
        Tensor tb = withBias ? offsetTensor(b, 5, new int[] {k.o}) : null;
        int depth = k.c / k.p.groups() * k.kh * k.kw;
        String what = k.toString();
        float[] gotY = values(CpuConv.conv2d(tx, tw, tb, k.p));
        float[] gotDx = values(CpuConv.backwardInput(tdy, tw, k.x(), k.p));
        float[] gotDw = values(CpuConv.backwardWeight(tx, tdy, k.wt(), k.p));
        assertClose(y, gotY, TOL, depth, "forward " + what);
        assertClose(dx, gotDx, TOL, k.o * k.kh * k.kw, "backward input " + what);
        assertClose(dw, gotDw, TOL, k.n * k.oh() * k.ow(), "backward weight " + what);
        // Winograd-shaped cases also through that path directly (CpuConv routes only wide layers to it).
        float[][] wino = CpuConv.viaWinograd(tx, tw, tdy, k.p);
        if (wino != null) {
            if (withBias) for (int i = 0; i < wino[0].length; i++) wino[0][i] += b[(i / (k.oh() * k.ow())) % k.o];
            assertClose(y, wino[0], TOL, depth, "Winograd forward " + what);
            assertClose(dx, wino[1], TOL, k.o * k.kh * k.kw, "Winograd backward input " + what);
            assertClose(dw, wino[2], TOL, k.n * k.oh() * k.ow(), "Winograd backward weight " + what);
        }
        Backend ref = GemmTesting.reference();
        assertClose(values(ref.conv2d(tx, tw, tb, k.p)), gotY, TOL, depth, "forward vs reference " + what);
        assertClose(values(ref.conv2dBackwardInput(tdy, tw, k.x(), k.p)), gotDx, TOL, k.o * k.kh * k.kw, "dx vs reference " + what);
        assertClose(values(ref.conv2dBackwardWeight(tx, tdy, k.wt(), k.p)), gotDw, TOL, k.n * k.oh() * k.ow(), "dw vs reference " + what);
    }

    @Test
    void plainPaddedConv() {
        check(new Case(2, 3, 7, 9, 4, 3, 3, ConvParams.of(1, 1)), true, 1);
        check(new Case(3, 5, 6, 5, 7, 3, 2, ConvParams.of(1, 0)), false, 2);
    }

    @Test
    void strideTwoAndAsymmetricGeometry() {
        check(new Case(2, 4, 9, 8, 6, 3, 3, ConvParams.of(2, 1)), true, 3);
        check(new Case(1, 3, 11, 10, 5, 4, 3, new ConvParams(2, 3, 0, 2, 1, 2, 1)), true, 4);
    }

    @Test
    void dilationTwo() {
        check(new Case(2, 3, 10, 9, 4, 3, 3, ConvParams.of(1, 2, 2, 1)), false, 5);
    }

    @Test
    void groupsAndDepthwise() {
        check(new Case(2, 4, 7, 7, 6, 3, 3, ConvParams.of(1, 1, 1, 2)), true, 6);
        check(new Case(3, 5, 8, 6, 5, 3, 3, ConvParams.of(2, 1, 1, 5)), true, 7);
        check(new Case(2, 6, 5, 5, 12, 3, 3, ConvParams.of(1, 1, 2, 6)), false, 8);
    }

    @Test
    void oneByOneSkipsIm2colWithGroups() {
        check(new Case(2, 6, 5, 7, 4, 1, 1, ConvParams.of(1, 0, 1, 2)), true, 9);
        check(new Case(3, 33, 4, 4, 17, 1, 1, ConvParams.DEFAULT), false, 10);
        check(new Case(2, 6, 7, 7, 4, 1, 1, ConvParams.of(2, 0)), true, 11); // strided 1x1 does use im2col
    }

    /** An image whose columns exceed the per-thread budget, so positions go in several chunks. */
    @Test
    void largeImageInSeveralColumnChunks() {
        Case k = new Case(1, 16, 90, 90, 4, 3, 3, ConvParams.of(1, 1));
        assertTrue((long) 16 * 9 * 90 * 90 > CpuConv.COL_BUDGET, "case must exceed the column budget");
        check(k, true, 12);
    }

    /**
     * Winograd F(2x2, 3x3) geometries (checked through CpuWinograd directly as well, see check):
     * odd output sizes (partial edge tiles), padding 0 and 2 and mixed (the input gradient then
     * runs with padding 2 - pad), bias; the last case is wide enough for CpuConv itself to choose it
     * (padding 0, which CpuConvImplicit does not take: it needs width-preserving padding). 20 input
     * channels give G^T dU G (CpuWinograd.weights) a whole vector of pairs and a scalar tail.
     */
    @Test
    void winogradPaddingsAndOddEdges() {
        check(new Case(2, 5, 7, 9, 6, 3, 3, ConvParams.of(1, 0)), true, 13);
        check(new Case(2, 4, 6, 5, 3, 3, 3, ConvParams.of(1, 2)), false, 14);
        check(new Case(1, 3, 5, 8, 4, 3, 3, new ConvParams(1, 1, 2, 0, 1, 1, 1)), true, 15);
        check(new Case(3, 2, 3, 3, 2, 3, 3, ConvParams.of(1, 1)), false, 16); // one image of 2x2 tiles, 3x3 output
        check(new Case(1, CpuConv.WINOGRAD_MIN_CHANNELS, 5, 6, CpuConv.WINOGRAD_MIN_CHANNELS + 3, 3, 3, ConvParams.of(1, 0)), true, 19);
        check(new Case(2, 20, 5, 6, 7, 3, 3, ConvParams.of(1, 1)), false, 24);
    }

    /**
     * Width-preserving layers wide enough for CpuConv to run their forward and input gradient
     * through the fused Winograd passes ({@link WinogradForward}), with the bias added onto: 7x9
     * images are 4 x 5 tiles, so a vector of 16 tiles covers several tile rows (and images), and
     * the last row and column of tiles are half outside; 2x2 images are one tile each, every vector
     * sixteen runs; 66 output channels leave a partial 12-row panel (and keep the implicit weight
     * gradient), 64 take the Winograd one ({@link WinogradWeightGrad}).
     */
    @Test
    void fusedWinogradThroughCpuConv() {
        int c = CpuConv.WINOGRAD_MIN_CHANNELS;
        check(new Case(3, c, 7, 9, c + 2, 3, 3, ConvParams.of(1, 1)), true, 20);
        check(new Case(3, c, 7, 9, c, 3, 3, ConvParams.of(1, 1)), false, 22);
        check(new Case(5, c, 2, 2, c, 3, 3, ConvParams.of(1, 1)), true, 21);
    }

    /**
     * The Winograd weight gradient's products: output channels in pairs of NR-wide panels on the
     * wide tile, and an odd last panel on the 8-row one (three panels here), through viaWinograd.
     */
    @Test
    void winogradWeightGradientWithAnOddPanel() {
        check(new Case(2, 8, 6, 7, 3 * GemmKernel.NR, 3, 3, ConvParams.of(1, 1)), false, 24);
        check(new Case(1, 16, 5, 4, 2 * GemmKernel.NR, 3, 3, ConvParams.of(1, 1)), false, 25);
    }

    /** The Winograd weight gradient over more tiles than one chunk holds: chunks summed in order. */
    @Test
    void winogradWeightGradientInSeveralChunks() {
        int c = CpuConv.WINOGRAD_MIN_CHANNELS;
        Case k = new Case(2, c, 40, 52, c, 3, 3, ConvParams.of(1, 1));
        int tiles = 2 * 20 * 26;
        assertTrue(tiles > WinogradWeightGrad.tilesPerChunk(new CpuWinograd.Geo(2, c, 40, 52, c, 1, 1)), "case must exceed one chunk");
        check(k, false, 23);
    }

    /** Enough images that the batch goes in several Winograd chunks and weight-gradient slices. */
    @Test
    void winogradBatchInSeveralChunks() {
        // Few channels and large images: several chunks at little arithmetic for the double reference.
        Case k = new Case(5, 4, 128, 130, 3, 3, 3, ConvParams.of(1, 1));
        long perImage = 16L * 4 * 64 * 65;
        assertTrue(k.n * perImage > CpuWinograd.BUDGET, "case must exceed one chunk");
        check(k, true, 17);
    }

    @Test
    void rejectsChannelsThatDoNotMatchGroups() {
        Tensor x = GemmTesting.tensor(new float[2 * 3 * 4 * 4], 2, 3, 4, 4), w = GemmTesting.tensor(new float[4 * 2 * 9], 4, 2, 3, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuConv.conv2d(x, w, null, ConvParams.DEFAULT));
        assertTrue(e.getMessage().contains("do not match 1 group(s)"), e.getMessage());
        Tensor dy = GemmTesting.tensor(new float[2 * 4 * 3 * 3], 2, 4, 3, 3);
        e = assertThrows(IllegalArgumentException.class, () -> CpuConv.backwardWeight(x, dy, new int[] {4, 3, 3, 3}, ConvParams.of(1, 1)));
        assertTrue(e.getMessage().endsWith("dy (2, 4, 3, 3) should be (2, 4, 4, 4)"), e.getMessage());
    }
}
