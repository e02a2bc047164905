package diffusion4j.tensor.reference;

import static diffusion4j.tensor.reference.RefTesting.assertClose;
import static diffusion4j.tensor.reference.RefTesting.backend;
import static diffusion4j.tensor.reference.RefTesting.checkDirectionalDerivative;
import static diffusion4j.tensor.reference.RefTesting.floats;
import static diffusion4j.tensor.reference.RefTesting.randomDoubles;
import static diffusion4j.tensor.reference.RefTesting.tensor;
import static diffusion4j.tensor.reference.RefTesting.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Group and layer norm: hand values, per-group moments, and finite-difference checks of backward. */
class RefNormTest {
    private static final double SQRT_1_5 = Math.sqrt(1.5);

    @Test void layerNormHandValues() {
        // x = [1, 2, 3]: mean 2, biased variance 2/3, rstd sqrt(3/2); gamma [1, 2, 3], beta [0, 1, 0].
        Backend.NormOutput o = backend().layerNorm(tensor(floats(1, 2, 3), 1, 3), tensor(floats(1, 2, 3), 3),
                tensor(floats(0, 1, 0), 3), 0f);
        assertClose(floats(-SQRT_1_5, 1, 3 * SQRT_1_5), values(o.y()), 1e-7);
        assertClose(floats(2), values(o.mean()), 0);
        assertClose(floats(SQRT_1_5), values(o.rstd()), 1e-7);
    }

    @Test void groupNormHandValues() {
        // Groups [1, 3] (mean 2, var 1) and [10, 20] (mean 15, var 25): both normalize to [-1, 1].
        Backend.NormOutput o = backend().groupNorm(tensor(floats(1, 3, 10, 20), 1, 4, 1), null, null, 2, 0f);
        assertClose(floats(-1, 1, -1, 1), values(o.y()), 1e-7);
        assertClose(floats(2, 15), values(o.mean()), 0);
        assertClose(floats(1, 0.2), values(o.rstd()), 1e-7);
    }

    @Test void groupNormEpsEntersUnderTheRoot() {
        // Variance 1 and eps 3: rstd = 1/sqrt(4) = 0.5 exactly.
        Backend.NormOutput o = backend().groupNorm(tensor(floats(1, 3), 1, 2, 1), null, null, 1, 3f);
        assertClose(floats(0.5), values(o.rstd()), 0);
        assertClose(floats(-0.5, 0.5), values(o.y()), 0);
    }

    @Test void groupNormGivesZeroMeanUnitVariancePerGroup() {
        Random r = new Random(1);
        int n = 2, c = 6, s = 10, groups = 3, m = c / groups * s;
        double[] x = randomDoubles(r, n * c * s);
        for (int i = 0; i < x.length; i++) x[i] = 3 + 5 * x[i];
        double[] y = RefNorm.groupNorm(x, n, c, s, null, null, groups, 0).y();
        for (int g = 0; g < n * groups; g++) {
            double sum = 0, sq = 0;
            for (int j = 0; j < m; j++) sum += y[g * m + j];
            for (int j = 0; j < m; j++) sq += y[g * m + j] * y[g * m + j];
            assertEquals(0, sum / m, 1e-12, "mean of group " + g);
            assertEquals(1, sq / m, 1e-12, "variance of group " + g);
        }
    }

    @Test void groupNormAppliesGammaAndBetaPerChannel() {
        Random r = new Random(2);
        int n = 2, c = 4, s = 3;
        double[] x = randomDoubles(r, n * c * s), gamma = {1, -2, 0.5, 3}, beta = {0, 1, -1, 2};
        double[] plain = RefNorm.groupNorm(x, n, c, s, null, null, 2, 1e-5).y();
        double[] affine = RefNorm.groupNorm(x, n, c, s, gamma, beta, 2, 1e-5).y();
        for (int i = 0; i < x.length; i++) {
            int ch = i / s % c;
            assertEquals(plain[i] * gamma[ch] + beta[ch], affine[i], 1e-12);
        }
    }

    @Test void groupNormBackwardMatchesFiniteDifferences() {
        Random r = new Random(3);
        int n = 2, c = 6, s = 5, groups = 3;
        double eps = 1e-3;
        double[] x = randomDoubles(r, n * c * s), gamma = randomDoubles(r, c), beta = randomDoubles(r, c), dy = randomDoubles(r, n * c * s);
        RefNorm.Out o = RefNorm.groupNorm(x, n, c, s, gamma, beta, groups, eps);
        RefNorm.Grads g = RefNorm.groupNormBackward(dy, x, o.mean(), o.rstd(), gamma, n, c, s, groups);
        checkDirectionalDerivative("groupNorm dx", xx -> RefNorm.groupNorm(xx, n, c, s, gamma, beta, groups, eps).y(), x, dy, g.dx(), r);
        checkDirectionalDerivative("groupNorm dgamma", gg -> RefNorm.groupNorm(x, n, c, s, gg, beta, groups, eps).y(), gamma, dy, g.dgamma(), r);
        checkDirectionalDerivative("groupNorm dbeta", bb -> RefNorm.groupNorm(x, n, c, s, gamma, bb, groups, eps).y(), beta, dy, g.dbeta(), r);
        RefNorm.Grads plain = RefNorm.groupNormBackward(dy, x, o.mean(), o.rstd(), null, n, c, s, groups);
        checkDirectionalDerivative("groupNorm dx without gamma", xx -> RefNorm.groupNorm(xx, n, c, s, null, null, groups, eps).y(), x, dy, plain.dx(), r);
        assertNull(plain.dgamma());
        assertNull(plain.dbeta());
    }

    @Test void layerNormBackwardMatchesFiniteDifferences() {
        Random r = new Random(4);
        int rows = 3, d = 7;
        double eps = 1e-5;
        double[] x = randomDoubles(r, rows * d), gamma = randomDoubles(r, d), beta = randomDoubles(r, d), dy = randomDoubles(r, rows * d);
        RefNorm.Out o = RefNorm.layerNorm(x, rows, d, gamma, beta, eps);
        RefNorm.Grads g = RefNorm.layerNormBackward(dy, x, o.mean(), o.rstd(), gamma, rows, d);
        checkDirectionalDerivative("layerNorm dx", xx -> RefNorm.layerNorm(xx, rows, d, gamma, beta, eps).y(), x, dy, g.dx(), r);
        checkDirectionalDerivative("layerNorm dgamma", gg -> RefNorm.layerNorm(x, rows, d, gg, beta, eps).y(), gamma, dy, g.dgamma(), r);
        checkDirectionalDerivative("layerNorm dbeta", bb -> RefNorm.layerNorm(x, rows, d, gamma, bb, eps).y(), beta, dy, g.dbeta(), r);
    }

    @Test void backendBackwardDispatchesAndRoundsOnce() {
        Random r = new Random(5);
        int rows = 2, d = 4;
        double[] x = randomDoubles(r, rows * d), gamma = randomDoubles(r, d), dy = randomDoubles(r, rows * d);
        Tensor xt = tensor(floats(x), rows, d), gt = tensor(floats(gamma), d), dyt = tensor(floats(dy), rows, d);
        Backend.NormOutput o = backend().layerNorm(xt, gt, null, 1e-5f);
        Backend.NormGrads bg = backend().layerNormBackward(dyt, xt, tensor(values(o.mean()), rows), tensor(values(o.rstd()), rows), gt);
        // The same computation in double on the float inputs, rounded once.
        RefNorm.Out od = RefNorm.layerNorm(Strided.read(xt), rows, d, Strided.read(gt), null, 1e-5f);
        RefNorm.Grads gd = RefNorm.layerNormBackward(Strided.read(dyt), Strided.read(xt), RefTesting.widen(values(o.mean())),
                RefTesting.widen(values(o.rstd())), Strided.read(gt), rows, d);
        assertClose(values(Strided.store(od.y())), values(o.y()), 0);
        assertClose(values(Strided.store(gd.dx())), values(bg.dx()), 0);
        assertClose(values(Strided.store(gd.dgamma())), values(bg.dgamma()), 0);
        assertClose(values(Strided.store(gd.dbeta())), values(bg.dbeta()), 0);
    }

    @Test void indivisibleGroupsAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> RefNorm.groupNorm(new double[6], 1, 3, 2, null, null, 2, 0));
        assertEquals("groupNorm: 3 channels cannot be split into 2 groups", e.getMessage());
    }
}
