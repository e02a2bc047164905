package diffusion4j.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import diffusion4j.kernels.opencl.ClHeavyTesting.Pair;
import diffusion4j.tensor.Backend;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Storage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * conv2d (forward, backward input, backward weight) and unfold/fold against the reference:
 * stride, padding (including padding wider than the stride), dilation, groups, depthwise, the
 * direct 1x1 path, and the chunked paths (several images per chunk, and one image split into
 * window-position chunks) forced with a small column budget.
 */
@ExtendWith(OpenClAvailable.class)
class ClHeavyConvTest {
    private static final double ATOL = 1e-4;

    private record Geo(int n, int c, int h, int w, int kh, int kw, ConvParams p) {
        int oh() { return p.outH(h, kh); }
        int ow() { return p.outW(w, kw); }
        int[] x() { return new int[] {n, c, h, w}; }
        int[] cols() { return new int[] {n, c, kh * kw, oh(), ow()}; }
    }

    private static final Geo[] GEOS = {
            new Geo(1, 1, 1, 1, 1, 1, ConvParams.DEFAULT),
            new Geo(2, 3, 7, 9, 3, 3, ConvParams.DEFAULT),
            new Geo(2, 3, 7, 9, 3, 2, ConvParams.of(1, 1)),
            new Geo(1, 4, 9, 7, 3, 3, new ConvParams(2, 3, 1, 2, 1, 1, 2)),
            new Geo(2, 6, 11, 10, 3, 3, new ConvParams(2, 1, 1, 2, 2, 1, 3)),
            new Geo(1, 2, 5, 5, 2, 2, new ConvParams(3, 3, 3, 3, 1, 1, 1)), // padding wider than the stride
            new Geo(1, 2, 17, 33, 4, 5, new ConvParams(1, 2, 2, 0, 3, 2, 2)),
            new Geo(3, 5, 9, 8, 3, 3, ConvParams.of(1, 1, 1, 5)), // depthwise
            new Geo(2, 8, 6, 5, 1, 1, ConvParams.DEFAULT), // direct 1x1
            new Geo(2, 6, 6, 5, 1, 1, ConvParams.of(1, 0, 1, 3)), // direct 1x1, grouped
            new Geo(2, 4, 12, 11, 1, 1, ConvParams.of(2, 0)), // 1x1 with a stride: not direct
    };

    @Test
    void convMatchesReference() {
        OpenClBackend cl = ClHeavyTesting.backend();
        long seed = 1;
        for (Geo g : GEOS) {
            checkConv(cl, g, ClConv.COL_BUDGET, seed);
            seed += 10;
        }
    }

    @Test
    void chunkedColumnsMatchReference() {
        OpenClBackend cl = ClHeavyTesting.backend();
        Geo g = new Geo(3, 4, 10, 9, 3, 3, new ConvParams(1, 1, 1, 1, 1, 1, 2));
        int perImage = g.c * 9 * g.oh() * g.ow();
        checkConv(cl, g, 2 * perImage, 7); // two images, then one
        checkConv(cl, g, perImage / 3 + 5, 8); // each image in three position chunks
        checkConv(cl, g, 1, 9); // one window position at a time
    }

    private static void checkConv(OpenClBackend cl, Geo g, int budget, long seed) {
        Backend ref = ClHeavyTesting.reference();
        ClRuntime rt = cl.runtime();
        int groups = g.p.groups(), o = 2 * groups, depth = g.c / groups * g.kh * g.kw;
        int[] ws = {o, g.c / groups, g.kh, g.kw}, ys = {g.n, o, g.oh(), g.ow()};
        Pair x = ClHeavyTesting.randn(cl, seed, g.x()), w = ClHeavyTesting.randn(cl, seed + 1, ws);
        Pair bias = ClHeavyTesting.randn(cl, seed + 2, o), dy = ClHeavyTesting.randn(cl, seed + 3, ys);
        String what = g + " budget " + budget;
        ClHeavyTesting.close("conv2d " + what, cl, ref.conv2d(x.ref(), w.ref(), bias.ref(), g.p),
                ClConv.conv2d(rt, x.cl(), w.cl(), bias.cl(), g.p, budget), ATOL * Math.sqrt(depth), ys);
        ClHeavyTesting.close("conv2d no bias " + what, cl, ref.conv2d(x.ref(), w.ref(), null, g.p),
                ClConv.conv2d(rt, x.cl(), w.cl(), null, g.p, budget), ATOL * Math.sqrt(depth), ys);
        ClHeavyTesting.close("conv2d backward input " + what, cl, ref.conv2dBackwardInput(dy.ref(), w.ref(), g.x(), g.p),
                ClConv.backwardInput(rt, dy.cl(), w.cl(), g.x(), g.p, budget), ATOL * Math.sqrt(o * g.kh * g.kw), g.x());
        ClHeavyTesting.close("conv2d backward weight " + what, cl, ref.conv2dBackwardWeight(x.ref(), dy.ref(), ws, g.p),
                ClConv.backwardWeight(rt, x.cl(), dy.cl(), ws, g.p, budget), ATOL * Math.sqrt(g.n * g.oh() * g.ow()), ws);
    }

    @Test
    void unfoldAndFoldMatchReference() {
        OpenClBackend cl = ClHeavyTesting.backend();
        Backend ref = ClHeavyTesting.reference();
        long seed = 500;
        for (Geo g : GEOS) {
            Pair x = ClHeavyTesting.randn(cl, seed++, g.x());
            for (float pad : new float[] {0f, Float.NEGATIVE_INFINITY, 1.5f}) {
                // A copy or a pad value: exact.
                ClHeavyTesting.close("unfold " + g + " pad " + pad, cl, ref.unfold(x.ref(), g.kh, g.kw, g.p, pad),
                        ClUnfold.unfold(cl.runtime(), x.cl(), g.kh, g.kw, g.p, pad), 0, g.cols());
            }
            Pair cols = ClHeavyTesting.randn(cl, seed++, g.cols());
            ClHeavyTesting.close("fold " + g, cl, ref.fold(cols.ref(), g.x(), g.kh, g.kw, g.p),
                    ClUnfold.fold(cl.runtime(), cols.cl(), g.x(), g.kh, g.kw, g.p), ATOL, g.x());
            int[] t = g.cols();
            Pair colsT = ClHeavyTesting.randn(cl, seed++, t[0], t[1], t[2], t[4], t[3]).view(v -> v.transpose(3, 4));
            ClHeavyTesting.close("fold of a transposed view " + g, cl, ref.fold(colsT.ref(), g.x(), g.kh, g.kw, g.p),
                    ClUnfold.fold(cl.runtime(), colsT.cl(), g.x(), g.kh, g.kw, g.p), ATOL, g.x());
        }
        // unfold of a non-contiguous input: x seen through a transpose of H and W.
        Pair xt = ClHeavyTesting.randn(cl, seed, 2, 3, 9, 7).view(v -> v.transpose(2, 3));
        ConvParams p = ConvParams.of(2, 1);
        Storage e = ref.unfold(xt.ref(), 3, 2, p, -1f);
        ClHeavyTesting.close("unfold of a transposed view", cl, e, ClUnfold.unfold(cl.runtime(), xt.cl(), 3, 2, p, -1f), 0,
                2, 3, 6, p.outH(7, 3), p.outW(9, 2));
    }

    @Test
    void mismatchedGroupsAndGradientShapesAreRejected() {
        OpenClBackend cl = ClHeavyTesting.backend();
        Pair x = ClHeavyTesting.randn(cl, 1, 1, 4, 5, 5), w = ClHeavyTesting.randn(cl, 2, 3, 2, 3, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClConv.conv2d(cl.runtime(), x.cl(), w.cl(), null, ConvParams.of(1, 0, 1, 2)));
        assertEquals("conv2d: input (1, 4, 5, 5) and weight (3, 2, 3, 3) do not match 2 group(s)", e.getMessage());
        Pair dy = ClHeavyTesting.randn(cl, 3, 1, 2, 4, 4);
        Pair w2 = ClHeavyTesting.randn(cl, 4, 2, 4, 3, 3);
        e = assertThrows(IllegalArgumentException.class,
                () -> ClConv.backwardInput(cl.runtime(), dy.cl(), w2.cl(), new int[] {1, 4, 5, 5}, ConvParams.DEFAULT));
        assertEquals("conv2d backward: dy (1, 2, 4, 4) should be (1, 2, 3, 3)", e.getMessage());
    }
}
