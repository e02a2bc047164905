package diffusion4j.kernels.opencl;

import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.testing.TestData;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import diffusion4j.kernels.opencl.ClHeavyTesting.Pair;
import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Backend.NormGrads;
import diffusion4j.tensor.Backend.NormOutput;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Group and layer norm kernels against the reference, forward and backward: blocks smaller and
 * larger than a work-group, a spatial size of 1, a mean 100 standard deviations from zero (the
 * pivoted single-pass variance must not cancel), and with gamma and beta, gamma alone, or neither.
 */
@ExtendWith(OpenClAvailable.class)
class ClHeavyNormTest {
    private static final double ATOL = 1e-4;

    /** Which affine parameters a case passes. */
    private enum Affine { BOTH, GAMMA_ONLY, NONE }

    @Test
    void groupNormMatchesReference() {
        OpenClBackend cl = ClHeavyTesting.backend();
        Backend ref = ClHeavyTesting.reference();
        int[][] shapes = {{2, 6, 17}, {1, 4, 1}, {3, 32, 33}, {2, 3, 100}, {2, 8, 300}, {1, 65, 7}};
        int[] groupsOf = {3, 2, 8, 1, 4, 65};
        long seed = 1;
        for (int i = 0; i < shapes.length; i++) {
            int[] s = shapes[i];
            int n = s[0], c = s[1], groups = groupsOf[i], m = c / groups * s[2];
            for (float shift : new float[] {0f, 100f}) {
                Pair x = shifted(cl, seed++, shift, s), dy = ClHeavyTesting.randn(cl, seed++, s);
                Pair gamma = ClHeavyTesting.randn(cl, seed++, c), beta = ClHeavyTesting.randn(cl, seed++, c);
                for (Affine af : Affine.values()) {
                    String what = "groupNorm " + Arrays.toString(s) + " groups " + groups + " shift " + shift + " " + af;
                    Pair g = af == Affine.NONE ? null : gamma, b = af == Affine.BOTH ? beta : null;
                    NormOutput e = ref.groupNorm(x.ref(), ref(g), ref(b), groups, 1e-5f);
                    NormOutput a = ClNorm.groupNorm(cl.runtime(), x.cl(), dev(g), dev(b), groups, 1e-5f);
                    ClHeavyTesting.close(what + " y", cl, e.y(), a.y(), ATOL, s);
                    ClHeavyTesting.close(what + " mean", cl, e.mean(), a.mean(), ATOL * (1 + shift), n, groups);
                    ClHeavyTesting.close(what + " rstd", cl, e.rstd(), a.rstd(), ATOL, n, groups);
                    Pair mean = saved(cl, e.mean(), n, groups), rstd = saved(cl, e.rstd(), n, groups);
                    NormGrads eg = ref.groupNormBackward(dy.ref(), x.ref(), mean.ref(), rstd.ref(), ref(g), groups);
                    NormGrads ag = ClNorm.groupNormBackward(cl.runtime(), dy.cl(), x.cl(), mean.cl(), rstd.cl(), dev(g), groups);
                    ClHeavyTesting.close(what + " dx", cl, eg.dx(), ag.dx(), ATOL * Math.sqrt(m), s);
                    checkAffineGrads(what, cl, eg, ag, g != null, ATOL * Math.sqrt(n * s[2]) * 4, c);
                }
            }
        }
    }

    @Test
    void layerNormMatchesReference() {
        OpenClBackend cl = ClHeavyTesting.backend();
        Backend ref = ClHeavyTesting.reference();
        int[][] shapes = {{1, 1}, {7, 33}, {3, 100}, {130, 17}, {5, 1}, {4, 700}};
        long seed = 100;
        for (int[] s : shapes) {
            int r = s[0], d = s[1];
            for (float shift : new float[] {0f, -100f}) {
                Pair x = shifted(cl, seed++, shift, s), dy = ClHeavyTesting.randn(cl, seed++, s);
                Pair gamma = ClHeavyTesting.randn(cl, seed++, d), beta = ClHeavyTesting.randn(cl, seed++, d);
                for (Affine af : Affine.values()) {
                    String what = "layerNorm " + Arrays.toString(s) + " shift " + shift + " " + af;
                    Pair g = af == Affine.NONE ? null : gamma, b = af == Affine.BOTH ? beta : null;
                    NormOutput e = ref.layerNorm(x.ref(), ref(g), ref(b), 1e-5f);
                    NormOutput a = ClNorm.layerNorm(cl.runtime(), x.cl(), dev(g), dev(b), 1e-5f);
                    ClHeavyTesting.close(what + " y", cl, e.y(), a.y(), ATOL, s);
                    ClHeavyTesting.close(what + " mean", cl, e.mean(), a.mean(), ATOL * (1 + Math.abs(shift)), r);
                    ClHeavyTesting.close(what + " rstd", cl, e.rstd(), a.rstd(), ATOL, r);
                    Pair mean = saved(cl, e.mean(), r), rstd = saved(cl, e.rstd(), r);
                    NormGrads eg = ref.layerNormBackward(dy.ref(), x.ref(), mean.ref(), rstd.ref(), ref(g));
                    NormGrads ag = ClNorm.layerNormBackward(cl.runtime(), dy.cl(), x.cl(), mean.cl(), rstd.cl(), dev(g));
                    ClHeavyTesting.close(what + " dx", cl, eg.dx(), ag.dx(), ATOL * Math.sqrt(d), s);
                    checkAffineGrads(what, cl, eg, ag, g != null, ATOL * Math.sqrt(r) * 4, d);
                }
            }
        }
    }

    @Test
    void groupsThatDoNotDivideTheChannelsAreRejected() {
        OpenClBackend cl = ClHeavyTesting.backend();
        Pair x = ClHeavyTesting.randn(cl, 1, 2, 6, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClNorm.groupNorm(cl.runtime(), x.cl(), null, null, 4, 1e-5f));
        assertEquals("groupNorm: 6 channels do not split into 4 groups", e.getMessage());
    }

    private static void checkAffineGrads(String what, OpenClBackend cl, NormGrads e, NormGrads a, boolean affine, double tol, int c) {
        if (!affine) {
            assertNull(a.dgamma(), what + ": dgamma without gamma");
            assertNull(a.dbeta(), what + ": dbeta without gamma");
            return;
        }
        ClHeavyTesting.close(what + " dgamma", cl, e.dgamma(), a.dgamma(), tol, c);
        ClHeavyTesting.close(what + " dbeta", cl, e.dbeta(), a.dbeta(), tol, c);
    }

    private static Pair shifted(OpenClBackend cl, long seed, float shift, int... shape) {
        float[] v = TestData.gaussian(seed, 1f, Shapes.numel(shape));
        for (int i = 0; i < v.length; i++) v[i] = 2 * v[i] + shift;
        return ClHeavyTesting.pair(cl, v, shape);
    }

    /** A reference output re-placed on both sides, as a saved tensor reaches backward. */
    private static Pair saved(OpenClBackend cl, diffusion4j.tensor.Storage s, int... shape) {
        return ClHeavyTesting.pair(cl, ClHeavyTesting.values(ClHeavyTesting.reference(), s, shape), shape);
    }

    private static diffusion4j.tensor.Tensor ref(Pair p) {
        return p == null ? null : p.ref();
    }

    private static diffusion4j.tensor.Tensor dev(Pair p) {
        return p == null ? null : p.cl();
    }
}
