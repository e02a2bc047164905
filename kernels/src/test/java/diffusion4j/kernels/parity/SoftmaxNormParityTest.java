package diffusion4j.kernels.parity;

import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.testing.TestData;
import diffusion4j.kernels.parity.Parity.Pair;
import diffusion4j.tensor.Backend.NormGrads;
import diffusion4j.tensor.Backend.NormOutput;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * softmax / log-softmax and group / layer norm, forward and backward, against the reference.
 * Backward inputs that come from a forward pass (y, mean, rstd) are the reference's outputs fed to
 * both backends, so a backward test checks the backward kernel alone.
 */
class SoftmaxNormParityTest {
    private static final double ATOL = 1e-4, RTOL = 1e-4;

    /** An input of some shape, a view of it, and the dims to take softmax along. */
    private record Case(String name, int[] baseShape, UnaryOperator<Tensor> view, int[] dims) {}

    private static final List<Case> SOFTMAX = List.of(
            new Case("(1)", new int[] {1}, t -> t, new int[] {0}),
            new Case("(7, 33)", new int[] {7, 33}, t -> t, new int[] {0, 1}),
            new Case("(3, 5, 17)", new int[] {3, 5, 17}, t -> t, new int[] {0, 1, 2}),
            new Case("transposed (33, 7)", new int[] {7, 33}, t -> t.transpose(0, 1), new int[] {0, 1}),
            new Case("stepped (4, 100)", new int[] {8, 103}, t -> t.slice(0, 1, 8, 2).narrow(1, 3, 100), new int[] {0, 1}),
            new Case("broadcast rows (5, 9)", new int[] {1, 9}, t -> t.expand(5, 9), new int[] {0, 1}),
            new Case("long rows (2, 3000)", new int[] {2, 3000}, t -> t, new int[] {1}));

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void softmaxForwardAndBackward(Device device) {
        long seed = 1;
        for (Case c : SOFTMAX) {
            Pair x = Parity.randn(device, seed++, 3f, c.baseShape()).view(c.view());
            int[] shape = x.shape();
            Pair dy = Parity.randn(device, seed++, shape);
            for (int dim : c.dims()) {
                for (boolean log : new boolean[] {false, true}) {
                    String what = (log ? "logSoftmax " : "softmax ") + c.name() + " dim " + dim;
                    Parity.close(what, device, shape, ATOL, RTOL, b -> b.softmax(x.on(b), dim, log));
                    Storage y = Parity.reference().softmax(x.ref(), dim, log);
                    Pair yy = Parity.pair(device, Parity.values(Parity.reference(), y, shape), shape);
                    Parity.close(what + " backward", device, shape, ATOL, RTOL, b -> b.softmaxBackward(yy.on(b), dy.on(b), dim, log));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void softmaxMaskedRows(Device device) {
        // Row 0 partly -inf (a masked attention row), row 1 all -inf (NaN, as in PyTorch), row 2 with a huge value.
        float inf = Float.NEGATIVE_INFINITY;
        float[] v = {0.5f, inf, 2f, inf, inf, inf, inf, inf, inf, inf, 80f, -3f, 1f, 0f, 5f};
        Pair x = Parity.pair(device, v, 3, 5);
        for (boolean log : new boolean[] {false, true}) {
            Parity.close("softmax masked rows log=" + log, device, new int[] {3, 5}, ATOL, RTOL, b -> b.softmax(x.on(b), 1, log));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void groupNorm(Device device) {
        // The last: several images per block of the CPU backward and channels past its float-run flush.
        int[][] shapes = {{2, 6, 17}, {1, 4, 1}, {3, 32, 33}, {2, 3, 100}, {9, 4, 1100}};
        int[] groupsOf = {3, 2, 8, 1, 2};
        long seed = 10;
        for (int i = 0; i < shapes.length; i++) {
            int[] s = shapes[i];
            int n = s[0], c = s[1], groups = groupsOf[i], m = c / groups * s[2];
            for (float shift : new float[] {0f, 100f}) { // |mean| >> std checks the variance is computed stably
                float[] xv = TestData.gaussian(seed++, 2f, Shapes.numel(s));
                for (int k = 0; k < xv.length; k++) xv[k] += shift;
                Pair x = Parity.pair(device, xv, s);
                Pair gamma = Parity.randn(device, seed++, c), beta = Parity.randn(device, seed++, c), dy = Parity.randn(device, seed++, s);
                for (boolean affine : new boolean[] {true, false}) {
                    String what = "groupNorm " + java.util.Arrays.toString(s) + " groups " + groups + " shift " + shift + " affine " + affine;
                    Parity.closeAll(what, device, new int[][] {s, {n, groups}, {n, groups}}, new double[] {ATOL, ATOL * (1 + shift), ATOL}, RTOL, b -> {
                        NormOutput o = b.groupNorm(x.on(b), affine ? gamma.on(b) : null, affine ? beta.on(b) : null, groups, 1e-5f);
                        return new Storage[] {o.y(), o.mean(), o.rstd()};
                    });
                    NormOutput o = Parity.reference().groupNorm(x.ref(), affine ? gamma.ref() : null, affine ? beta.ref() : null, groups, 1e-5f);
                    Pair mean = saved(device, o.mean(), n, groups), rstd = saved(device, o.rstd(), n, groups);
                    double sumTol = ATOL * Math.sqrt(n * s[2]) * 4;
                    Parity.closeAll(what + " backward", device, new int[][] {s, {c}, {c}}, new double[] {ATOL * Math.sqrt(m), sumTol, sumTol}, RTOL, b -> {
                        NormGrads g = b.groupNormBackward(dy.on(b), x.on(b), mean.on(b), rstd.on(b), affine ? gamma.on(b) : null, groups);
                        return new Storage[] {g.dx(), g.dgamma(), g.dbeta()};
                    });
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void layerNorm(Device device) {
        int[][] shapes = {{1, 1}, {7, 33}, {3, 100}, {130, 17}, {5, 1}};
        long seed = 40;
        for (int[] s : shapes) {
            int r = s[0], d = s[1];
            for (float shift : new float[] {0f, -50f}) {
                float[] xv = TestData.gaussian(seed++, 1.5f, (r + 1) * d);
                for (int k = 0; k < xv.length; k++) xv[k] += shift;
                // Narrowed by one row: the kernel sees a contiguous tensor at a non-zero offset.
                Pair x = Parity.pair(device, xv, r + 1, d).view(t -> t.narrow(0, 1, r));
                Pair gamma = Parity.randn(device, seed++, d), beta = Parity.randn(device, seed++, d), dy = Parity.randn(device, seed++, s);
                for (boolean affine : new boolean[] {true, false}) {
                    String what = "layerNorm " + java.util.Arrays.toString(s) + " shift " + shift + " affine " + affine;
                    Parity.closeAll(what, device, new int[][] {s, {r}, {r}}, new double[] {ATOL, ATOL * (1 + Math.abs(shift)), ATOL}, RTOL, b -> {
                        NormOutput o = b.layerNorm(x.on(b), affine ? gamma.on(b) : null, affine ? beta.on(b) : null, 1e-5f);
                        return new Storage[] {o.y(), o.mean(), o.rstd()};
                    });
                    NormOutput o = Parity.reference().layerNorm(x.ref(), affine ? gamma.ref() : null, affine ? beta.ref() : null, 1e-5f);
                    Pair mean = saved(device, o.mean(), r), rstd = saved(device, o.rstd(), r);
                    double sumTol = ATOL * Math.sqrt(r) * 4;
                    Parity.closeAll(what + " backward", device, new int[][] {s, {d}, {d}}, new double[] {ATOL * Math.sqrt(d), sumTol, sumTol}, RTOL, b -> {
                        NormGrads g = b.layerNormBackward(dy.on(b), x.on(b), mean.on(b), rstd.on(b), affine ? gamma.on(b) : null);
                        return new Storage[] {g.dx(), g.dgamma(), g.dbeta()};
                    });
                }
            }
        }
    }

    /** A reference output (mean, rstd) as an input pair for a backward kernel. */
    private static Pair saved(Device device, Storage s, int... shape) {
        return Parity.pair(device, Parity.values(Parity.reference(), s, shape), shape);
    }
}
