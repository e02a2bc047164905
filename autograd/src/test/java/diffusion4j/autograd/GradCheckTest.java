package diffusion4j.autograd;

import static diffusion4j.autograd.AgTesting.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The checker itself: it must pass a right gradient and catch, and locate, a wrong one. */
class GradCheckTest {
    /** sin with the derivative deliberately off by a factor 1.1 at one element. */
    static final class WrongSin extends Function {
        private Tensor x;

        static Variable apply(Variable v) {
            WrongSin f = new WrongSin();
            f.x = v.data();
            return f.record(v.data().sin(), v);
        }

        @Override protected Tensor[] backward(Tensor g) {
            float[] bump = new float[x.numel()];
            java.util.Arrays.fill(bump, 1f);
            bump[4] = 1.1f;
            return grads(g.mul(x.cos()).mul(Tensor.of(x.device(), bump, x.shape())));
        }
    }

    @Test void passesACorrectGradient() {
        GradCheck.Report r = GradCheck.create().check(v -> v[0].sin().mul(v[1]), randn(new Random(1), 2, 3), randn(new Random(2), 3));
        assertTrue(r.passed(), r.message());
        assertTrue(Math.abs(r.analytic() - r.numeric()) < 1e-3, r.message());
    }

    @Test void catchesAndLocatesAWrongGradient() {
        Tensor x = randn(new Random(3), 2, 3);
        GradCheck.Report r = GradCheck.create().check(v -> WrongSin.apply(v[0]), x);
        assertFalse(r.passed());
        assertTrue(r.message().contains("FAILED") && r.message().contains("input 0 of shape (2, 3), element [1, 1]"), r.message());
        assertEquals(1.1, r.analytic() / r.numeric(), 1e-3, r.message());
        AssertionError e = assertThrows(AssertionError.class, () -> GradCheck.assertGradients(v -> WrongSin.apply(v[0]), x));
        assertEquals(r.message(), e.getMessage());
    }

    @Test void reportsAnOutputThatIgnoresItsInputs() {
        GradCheck.Report r = GradCheck.create().check(v -> Variable.constant(Tensor.of(new float[] {1}, 1)), randn(new Random(4), 2));
        assertFalse(r.passed());
        assertTrue(r.message().contains("does not depend on any input"), r.message());
    }

    @Test void rejectsANonPositiveEps() {
        var e = assertThrows(IllegalArgumentException.class, () -> GradCheck.create().eps(0));
        assertTrue(e.getMessage().contains("eps must be positive"), e.getMessage());
    }
}
