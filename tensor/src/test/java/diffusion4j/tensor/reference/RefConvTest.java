package diffusion4j.tensor.reference;

import static diffusion4j.tensor.reference.RefTesting.assertClose;
import static diffusion4j.tensor.reference.RefTesting.backend;
import static diffusion4j.tensor.reference.RefTesting.checkDirectionalDerivative;
import static diffusion4j.tensor.reference.RefTesting.dot;
import static diffusion4j.tensor.reference.RefTesting.floats;
import static diffusion4j.tensor.reference.RefTesting.randomDoubles;
import static diffusion4j.tensor.reference.RefTesting.randomFloats;
import static diffusion4j.tensor.reference.RefTesting.tensor;
import static diffusion4j.tensor.reference.RefTesting.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * conv2d, its backward kernels, unfold and fold: hand values, closed forms (1x1 conv = matmul, conv
 * = weight times unfolded columns), adjoint identities and finite differences.
 */
class RefConvTest {
    private static final Tensor X33 = tensor(floats(1, 2, 3, 4, 5, 6, 7, 8, 9), 1, 1, 3, 3);
    private static final Tensor W22 = tensor(floats(1, 2, 3, 4), 1, 1, 2, 2);
    /** Stride 2, padding 1, dilation 2, two groups: every geometric parameter away from its default. */
    private static final ConvParams ODD = new ConvParams(2, 1, 1, 2, 2, 1, 2);

    @Test void handValuesPlain() {
        // out[i][j] = 1*x[i][j] + 2*x[i][j+1] + 3*x[i+1][j] + 4*x[i+1][j+1]; e.g. 1 + 4 + 12 + 20 = 37.
        assertArrayEquals(floats(37, 47, 67, 77), values(backend().conv2d(X33, W22, null, ConvParams.DEFAULT)));
        Tensor bias = tensor(floats(0.5), 1);
        assertArrayEquals(floats(37.5, 47.5, 67.5, 77.5), values(backend().conv2d(X33, W22, bias, ConvParams.DEFAULT)));
    }

    @Test void handValuesStridePadding() {
        // Stride 2, pad 1: out (2, 2). Top-left sees only x[0][0] under w[1][1]: 4*1 = 4.
        // Top-right: rows {-1, 0}, cols {1, 2}: 3*2 + 4*3 = 18. Bottom-left: rows {1, 2}, cols {-1, 0}:
        // 2*4 + 4*7 = 36. Bottom-right: rows {1, 2}, cols {1, 2}: 5 + 12 + 24 + 36 = 77.
        assertArrayEquals(floats(4, 18, 36, 77), values(backend().conv2d(X33, W22, null, ConvParams.of(2, 1))));
    }

    @Test void handValuesDilation() {
        // Dilation 2 spreads the 2x2 kernel over the corners: 1*1 + 2*3 + 3*7 + 4*9 = 64.
        assertArrayEquals(floats(64), values(backend().conv2d(X33, W22, null, ConvParams.of(1, 0, 2, 1))));
    }

    @Test void handValuesGroupsDoNotMixChannels() {
        Tensor x = tensor(floats(2, 3), 1, 2, 1, 1);
        Tensor w = tensor(floats(10, 100), 2, 1, 1, 1);
        assertArrayEquals(floats(20, 300), values(backend().conv2d(x, w, null, ConvParams.of(1, 0, 1, 2))));
    }

    @Test void oneByOneConvIsAMatmul() {
        Random r = new Random(1);
        int n = 2, c = 3, o = 4, hw = 5 * 2;
        double[] x = randomDoubles(r, n * c * hw), w = randomDoubles(r, o * c);
        double[] y = RefConv.conv2d(x, new int[] {n, c, 5, 2}, w, new int[] {o, c, 1, 1}, null, ConvParams.DEFAULT);
        for (int ni = 0; ni < n; ni++) {
            double[] xn = Arrays.copyOfRange(x, ni * c * hw, (ni + 1) * c * hw);
            double[] expected = RefMatmul.matmul(w, xn, 1, o, c, hw);
            assertClose(expected, Arrays.copyOfRange(y, ni * o * hw, (ni + 1) * o * hw), 1e-12);
        }
    }

    @Test void convEqualsWeightTimesUnfoldedColumns() {
        // Independent route through forEachWindowTap: y[n] = W (O, C*kH*kW) @ cols[n] (C*kH*kW, outH*outW).
        Random r = new Random(2);
        int[] xs = {2, 3, 7, 6}, ws = {4, 3, 3, 2};
        ConvParams p = new ConvParams(2, 1, 1, 2, 2, 1, 1);
        double[] x = randomDoubles(r, Shapes.numel(xs)), w = randomDoubles(r, Shapes.numel(ws)), bias = randomDoubles(r, 4);
        double[] y = RefConv.conv2d(x, xs, w, ws, bias, p);
        double[] cols = RefConv.unfold(x, xs, 3, 2, p, 0);
        int k = 3 * 3 * 2, spatial = p.outH(7, 3) * p.outW(6, 2);
        for (int ni = 0; ni < 2; ni++) {
            double[] yn = RefMatmul.matmul(w, Arrays.copyOfRange(cols, ni * k * spatial, (ni + 1) * k * spatial), 1, 4, k, spatial);
            for (int i = 0; i < yn.length; i++) yn[i] += bias[i / spatial];
            assertClose(yn, Arrays.copyOfRange(y, ni * 4 * spatial, (ni + 1) * 4 * spatial), 1e-12);
        }
    }

    @Test void backwardKernelsAreAdjointsOfConv() {
        // <conv(x, w), g> = <x, backwardInput(g, w)> = <w, backwardWeight(x, g)> for all x, w, g.
        Random r = new Random(4);
        int[] xs = {2, 4, 9, 8}, ws = {6, 2, 3, 2};
        int[] ys = RefConv.outShape(xs, ws, ODD);
        double[] x = randomDoubles(r, Shapes.numel(xs)), w = randomDoubles(r, Shapes.numel(ws)), g = randomDoubles(r, Shapes.numel(ys));
        double lhs = dot(RefConv.conv2d(x, xs, w, ws, null, ODD), g);
        assertEquals(lhs, dot(x, RefConv.backwardInput(g, w, xs, ws, ODD)), 1e-10 * Math.abs(lhs));
        assertEquals(lhs, dot(w, RefConv.backwardWeight(x, g, xs, ws, ODD)), 1e-10 * Math.abs(lhs));
    }

    @Test void backwardKernelsMatchFiniteDifferences() {
        Random r = new Random(5);
        int[] xs = {1, 4, 6, 5}, ws = {2, 2, 3, 3};
        int[] ys = RefConv.outShape(xs, ws, ODD);
        double[] x = randomDoubles(r, Shapes.numel(xs)), w = randomDoubles(r, Shapes.numel(ws)), g = randomDoubles(r, Shapes.numel(ys));
        checkDirectionalDerivative("conv2d dx", xx -> RefConv.conv2d(xx, xs, w, ws, null, ODD), x, g,
                RefConv.backwardInput(g, w, xs, ws, ODD), r);
        checkDirectionalDerivative("conv2d dw", ww -> RefConv.conv2d(x, xs, ww, ws, null, ODD), w, g,
                RefConv.backwardWeight(x, g, xs, ws, ODD), r);
    }

    @Test void backendBackwardKernelsDispatch() {
        // dy = 1 everywhere on the plain 3x3 case: dx[i][j] counts the weights that touch x[i][j].
        Tensor dy = tensor(floats(1, 1, 1, 1), 1, 1, 2, 2);
        assertArrayEquals(floats(1, 3, 2, 4, 10, 6, 3, 7, 4),
                values(backend().conv2dBackwardInput(dy, W22, new int[] {1, 1, 3, 3}, ConvParams.DEFAULT)));
        // dw[a][b] = sum of the 2x2 window of x shifted by (a, b): 1+2+4+5 = 12, 16, 24, 28.
        assertArrayEquals(floats(12, 16, 24, 28),
                values(backend().conv2dBackwardWeight(X33, dy, new int[] {1, 1, 2, 2}, ConvParams.DEFAULT)));
    }

    @Test void unfoldHandValuesWithPadValue() {
        // x = [1 2; 3 4], 2x2 windows, pad 1: a 3x3 grid of windows; padding reads -7.
        Tensor x = tensor(floats(1, 2, 3, 4), 1, 1, 2, 2);
        float[] cols = values(backend().unfold(x, 2, 2, ConvParams.of(1, 1), -7));
        assertEquals(4 * 9, cols.length);
        float p = -7;
        // Kernel tap (0, 0) reads x[oh-1][ow-1]; tap (1, 1) reads x[oh][ow].
        assertArrayEquals(new float[] {p, p, p, p, 1, 2, p, 3, 4}, Arrays.copyOfRange(cols, 0, 9));
        assertArrayEquals(new float[] {1, 2, p, 3, 4, p, p, p, p}, Arrays.copyOfRange(cols, 27, 36));
    }

    @Test void foldIsTheAdjointOfUnfold() {
        Random r = new Random(6);
        int[] xs = {2, 3, 7, 6};
        ConvParams p = new ConvParams(2, 1, 1, 2, 2, 1, 1);
        double[] x = randomDoubles(r, Shapes.numel(xs));
        double[] cols = RefConv.unfold(x, xs, 3, 2, p, 0);
        double[] c = randomDoubles(r, cols.length);
        assertEquals(dot(cols, c), dot(x, RefConv.fold(c, xs, 3, 2, p)), 1e-10 * Math.abs(dot(cols, c)));
        // Through the backend: folding all-ones columns counts the windows covering each pixel.
        Tensor ones = tensor(floats(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), 1, 1, 4, 2, 2);
        assertArrayEquals(floats(1, 2, 1, 2, 4, 2, 1, 2, 1),
                values(backend().fold(ones, new int[] {1, 1, 3, 3}, 2, 2, ConvParams.DEFAULT)));
    }

    @Test void mismatchedGroupsAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> RefConv.conv2d(new double[12], new int[] {1, 3, 2, 2},
                new double[4], new int[] {2, 2, 1, 1}, null, ConvParams.of(1, 0, 1, 2)));
        assertTrue(e.getMessage().contains("2 group(s)"), e.getMessage());
    }

    @Test void moderateSizesAreQuick() {
        Random r = new Random(7);
        Tensor x = tensor(randomFloats(r, 2 * 8 * 16 * 16), 2, 8, 16, 16);
        Tensor w = tensor(randomFloats(r, 8 * 8 * 9), 8, 8, 3, 3);
        ConvParams p = ConvParams.of(1, 1);
        long t0 = System.nanoTime();
        Tensor y = Tensor.wrap(backend().conv2d(x, w, null, p), new int[] {2, 8, 16, 16}, backend());
        backend().conv2dBackwardInput(y, w, x.shape(), p);
        backend().conv2dBackwardWeight(x, y, w.shape(), p);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 1500, "conv forward + both backward on (2, 8, 16, 16) took " + ms + " ms");
    }
}
