package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmTesting.assertClose;
import static diffusion4j.kernels.cpu.GemmTesting.random;
import static diffusion4j.kernels.cpu.GemmTesting.values;
import static diffusion4j.kernels.cpu.GemmTesting.view;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The implicit-GEMM paths ({@link CpuConvImplicit}, {@link CpuConvWeightGrad}) through CpuConv against
 * the reference backend, on shapes that hit their edges: batches not a multiple of the thread count,
 * odd H and W (an image's last B panel partial), channel counts that are not multiples of the 12-row
 * or 32-column tiles (edge tiles, padded NHWC channels), several channel blocks (forward depth
 * blocks) and depth blocks that straddle images (weight gradient), non-square kernels and
 * asymmetric height padding, bias and inputs at non-zero storage offsets.
 */
class CpuConvImplicitTest {
    private static final double TOL = 2e-5;

    private static void check(int n, int c, int h, int w, int o, int kh, int kw, ConvParams p, boolean bias, long seed) {
        String what = n + "x" + c + "x" + h + "x" + w + " -> " + o + ", " + kh + "x" + kw + " " + p;
        assertTrue(CpuConvImplicit.applies(kh, kw, h, p.strideH(), p.strideW(), p.padH(), p.padW(), p.dilationH(), p.dilationW(), p.groups()),
                "case must take the implicit path: " + what);
        int[] xs = {n, c, h, w}, ws = {o, c, kh, kw}, ys = {n, o, p.outH(h, kh), p.outW(w, kw)};
        Random r = new Random(seed);
        Tensor x = at(random(r, Shapes.numel(xs)), 3, xs), wt = at(random(r, Shapes.numel(ws)), 1, ws);
        Tensor dy = at(random(r, Shapes.numel(ys)), 2, ys), b = bias ? at(random(r, o), 5, new int[] {o}) : null;
        Backend ref = GemmTesting.reference();
        assertClose(values(ref.conv2d(x, wt, b, p)), values(CpuConv.conv2d(x, wt, b, p)), TOL, c * kh * kw, "forward " + what);
        assertClose(values(ref.conv2dBackwardInput(dy, wt, xs, p)), values(CpuConv.backwardInput(dy, wt, xs, p)), TOL, o * kh * kw,
                "backward input " + what);
        assertClose(values(ref.conv2dBackwardWeight(x, dy, ws, p)), values(CpuConv.backwardWeight(x, dy, ws, p)), TOL, n * ys[2] * ys[3],
                "backward weight " + what);
    }

    /** Dense tensor over {@code data} with the first {@code pad} storage elements unused. */
    private static Tensor at(float[] data, int pad, int[] shape) {
        float[] s = new float[pad + data.length];
        System.arraycopy(data, 0, s, pad, data.length);
        return view(s, new Layout(shape, Shapes.contiguousStrides(shape), pad));
    }

    @Test
    void threeByThreeOddSizesAndEdgeTiles() {
        check(3, 5, 7, 9, 13, 3, 3, ConvParams.of(1, 1), true, 1);   // P = 63: one partial panel per image
        check(5, 33, 8, 8, 40, 3, 3, ConvParams.of(1, 1), false, 2); // O = 40: a 4-row edge tile; Cp = 64
        check(1, 1, 1, 1, 1, 3, 3, ConvParams.of(1, 1), true, 3);    // one pixel: every tap but the centre is padding
    }

    @Test
    void severalChannelBlocksAndDepthBlocksAcrossImages() {
        assertTrue(70 > CpuConvImplicit.KC / 9, "forward must need two channel blocks");
        check(2, 70, 4, 5, 14, 3, 3, ConvParams.of(1, 1), true, 4);
        assertTrue(3 * 15 * 17 > CpuConvWeightGrad.KC, "weight gradient must need several depth blocks");
        check(3, 4, 15, 17, 5, 3, 3, ConvParams.of(1, 1), false, 5);
    }

    /**
     * The weight gradient reuses per-thread scratch ({@link ConvScratch}): after a call with more
     * channels, positions and output rows has filled it, a smaller call must read only what it
     * wrote itself (its NHWC copy has 5 channels padded to 32, its packed dy 13 rows in two 12-row
     * panels, so the leftovers sit right next to the live data).
     */
    @Test
    void scratchLeftByALargerCallIsNotRead() {
        check(2, 40, 6, 6, 30, 3, 3, ConvParams.of(1, 1), false, 12);
        check(3, 5, 4, 5, 13, 3, 3, ConvParams.of(1, 1), false, 13);
    }

    /**
     * Output channel counts that take 8-row panels ({@link ConvRows}): 8 (one 8-row panel), 20
     * (12 + 8), 64 (4 x 12 + 2 x 8), and counts that are not multiples of 4, so an 8-row panel has
     * zero rows (13 = 8 + 8, 5 = 8). For the weight gradient these are dy's rows; the input
     * gradient runs with O and C swapped, so C takes the same counts there.
     */
    @Test
    void eightRowPanelsInEveryPhase() {
        check(2, 5, 6, 7, 8, 3, 3, ConvParams.of(1, 1), true, 14);
        check(2, 20, 5, 6, 20, 3, 3, ConvParams.of(1, 1), false, 15);
        check(1, 64, 4, 5, 64, 3, 3, ConvParams.of(1, 1), true, 16);
        check(2, 13, 5, 5, 13, 3, 3, ConvParams.of(1, 1), false, 17);
        check(3, 7, 4, 6, 5, 3, 3, ConvParams.of(1, 1), true, 18);
    }

    @Test
    void rowPanelSplitsPadTheFewestRows() {
        assertArrayEquals(new int[] {12, 12, 12, 12, 8, 8}, heights(64));
        assertArrayEquals(new int[] {12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 8}, heights(128));
        assertArrayEquals(new int[] {8}, heights(8));
        assertArrayEquals(new int[] {12, 8}, heights(20));
        assertArrayEquals(new int[] {12, 12}, heights(24));
        assertArrayEquals(new int[] {8, 8}, heights(13));  // 16 rows, where 12-row panels alone pad to 24
        assertArrayEquals(new int[] {8}, heights(1));
        int[] h256 = heights(256);
        assertEquals(22, h256.length);
        assertEquals(256, java.util.Arrays.stream(h256).sum());
        assertEquals(8, h256[20]);
    }

    private static int[] heights(int m) {
        ConvRows rows = new ConvRows(m);
        int[] h = new int[rows.count()];
        for (int i = 0; i < h.length; i++) h[i] = rows.height(i);
        return h;
    }

    /**
     * A weight gradient whose packed dy is large against dW is split into depth chunks, each
     * summed into its own partial; here 8 rows x 12288 positions against 8 x 288 columns: 2 chunks.
     */
    @Test
    void weightGradientInDepthChunks() {
        assertEquals(2, CpuConvWeightGrad.chunks(8, 8L * 3 * 64 * 64, 9 * 32, 3 * 64 * 64 / CpuConvWeightGrad.KC),
                "case must take two depth chunks");
        check(3, 1, 64, 64, 8, 3, 3, ConvParams.of(1, 1), false, 19);
    }

    @Test
    void otherKernelsAndHeightPaddings() {
        check(2, 3, 9, 7, 4, 5, 5, ConvParams.of(1, 2), true, 6);
        check(3, 4, 6, 7, 5, 3, 3, new ConvParams(1, 1, 0, 1, 1, 1, 1), false, 7); // padH 0: OH = H - 2
        check(2, 4, 5, 6, 3, 3, 3, new ConvParams(1, 1, 2, 1, 1, 1, 1), true, 8);  // padH 2: OH = H + 2
        check(2, 3, 6, 5, 4, 3, 1, new ConvParams(1, 1, 1, 0, 1, 1, 1), false, 9); // 3x1
        check(2, 3, 4, 9, 6, 1, 3, new ConvParams(1, 1, 0, 1, 1, 1, 1), true, 10); // 1x3
    }

    @Test
    void appliesOnlyToStrideOneWidthPreservingUngroupedKernels() {
        assertFalse(CpuConvImplicit.applies(3, 3, 8, 2, 2, 1, 1, 1, 1, 1), "stride 2");
        assertFalse(CpuConvImplicit.applies(3, 3, 8, 1, 1, 0, 0, 1, 1, 1), "padding 0 shrinks the width");
        assertFalse(CpuConvImplicit.applies(3, 3, 8, 1, 1, 2, 2, 2, 2, 1), "dilation 2");
        assertFalse(CpuConvImplicit.applies(3, 3, 8, 1, 1, 1, 1, 1, 1, 2), "groups");
        assertFalse(CpuConvImplicit.applies(1, 1, 8, 1, 1, 0, 0, 1, 1, 1), "1x1 stays a plain GEMM");
        assertFalse(CpuConvImplicit.applies(3, 3, 1, 1, 1, 0, 1, 1, 1, 1), "empty output");
    }

    /**
     * Repeated calls give the same bits: tasks are taken dynamically by the threads, but each output
     * element is summed by one task in an order fixed by the shapes.
     */
    @Test
    void repeatedCallsAreBitwiseEqual() {
        int[] xs = {3, 20, 6, 8}, ws = {24, 20, 3, 3};
        Random r = new Random(11);
        Tensor x = at(random(r, Shapes.numel(xs)), 0, xs), wt = at(random(r, Shapes.numel(ws)), 0, ws);
        Tensor dy = at(random(r, Shapes.numel(new int[] {3, 24, 6, 8})), 0, new int[] {3, 24, 6, 8});
        ConvParams p = ConvParams.of(1, 1);
        float[] y = values(CpuConv.conv2d(x, wt, null, p)), dx = values(CpuConv.backwardInput(dy, wt, xs, p));
        float[] dw = values(CpuConv.backwardWeight(x, dy, ws, p));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(y, values(CpuConv.conv2d(x, wt, null, p)));
            assertArrayEquals(dx, values(CpuConv.backwardInput(dy, wt, xs, p)));
            assertArrayEquals(dw, values(CpuConv.backwardWeight(x, dy, ws, p)));
        }
    }
}
