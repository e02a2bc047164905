package diffusion4j.autograd;

import static diffusion4j.autograd.AgTesting.of;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Mechanics of the graph walk, against hand-computed gradients. */
class GraphTest {
    private static Variable param(float... v) {
        return Variable.parameter(of(v, v.length));
    }

    private static void assertValues(float[] expected, Tensor t) {
        assertArrayEquals(expected, t.toFloatArray(), 1e-6f);
    }

    @Test void reusedVariableSumsGradientsOfEveryUse() {
        Variable x = param(1, 2, 3);
        // y = sum(x*x + 3x) -> dy/dx = 2x + 3
        x.mul(x).add(x.mul(3f)).sum().backward();
        assertValues(new float[] {5, 7, 9}, x.grad());
    }

    @Test void diamondGraphVisitsTheSharedNodeOnce() {
        Variable x = param(0.5f, -1f);
        Variable h = x.exp();                // shared intermediate
        h.mul(2f).add(h.square()).sum().backward();
        // d/dx (2 e^x + e^2x) = 2 e^x + 2 e^2x
        float[] e = new float[2];
        for (int i = 0; i < 2; i++) {
            double v = new double[] {0.5, -1}[i];
            e[i] = (float) (2 * Math.exp(v) + 2 * Math.exp(2 * v));
        }
        assertArrayEquals(e, x.grad().toFloatArray(), 1e-5f);
    }

    @Test void leafGradientsAccumulateAcrossBackwardsUntilZeroGrad() {
        Variable x = param(1, 2);
        x.mul(3f).sum().backward();
        x.mul(3f).sum().backward();
        assertValues(new float[] {6, 6}, x.grad());
        x.zeroGrad();
        assertNull(x.grad());
        x.mul(4f).sum().backward();
        assertValues(new float[] {4, 4}, x.grad());
    }

    @Test void retainGraphAllowsASecondBackwardAndWithoutItItFailsClearly() {
        Variable x = param(1, 2);
        Variable y = x.square().sum();
        y.backward(Tensor.full(Device.REFERENCE, 1f), true);
        y.backward(Tensor.full(Device.REFERENCE, 1f), false);
        assertValues(new float[] {4, 8}, x.grad());
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("second time") && e.getMessage().contains("retainGraph=true"), e.getMessage());
    }

    @Test void explicitSeedWeightsTheOutputs() {
        Variable x = param(1, 2, 3);
        x.square().backward(of(new float[] {1, 0, -2}, 3), false);
        assertValues(new float[] {2, 0, -12}, x.grad());
    }

    @Test void backwardOnANonScalarWithoutSeedNamesTheShape() {
        Variable y = param(1, 2).mul(2f);
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("seed is needed") && e.getMessage().contains("(2,)"), e.getMessage());
    }

    @Test void seedOfTheWrongShapeIsRejected() {
        Variable y = param(1, 2).mul(2f);
        var e = assertThrows(IllegalArgumentException.class, () -> y.backward(of(new float[] {1, 2, 3}, 3), false));
        assertTrue(e.getMessage().contains("seed of shape (3,)"), e.getMessage());
    }

    @Test void noGradScopesRecordNothingNestAndRestore() {
        Variable x = param(1, 2);
        assertTrue(Autograd.isGradEnabled());
        try (var _ = Autograd.noGrad()) {
            try (var _ = Autograd.noGrad()) {
                assertFalse(x.mul(2f).requiresGrad());
            }
            assertFalse(Autograd.isGradEnabled(), "inner close must not re-enable recording");
            Variable y = x.mul(2f);
            assertFalse(y.requiresGrad());
            assertTrue(y.isLeaf());
            var e = assertThrows(IllegalStateException.class, y.sum()::backward);
            assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
        }
        assertTrue(Autograd.isGradEnabled());
        assertTrue(x.mul(2f).requiresGrad());
    }

    @Test void noGradIsPerThread() throws InterruptedException {
        boolean[] seen = new boolean[1];
        try (var _ = Autograd.noGrad()) {
            Thread t = new Thread(() -> seen[0] = Autograd.isGradEnabled());
            t.start();
            t.join();
        }
        assertTrue(seen[0], "another thread still records");
    }

    @Test void detachCutsTheGraph() {
        Variable x = param(1, 2);
        Variable d = x.square().detach();
        assertFalse(d.requiresGrad());
        assertValues(new float[] {1, 4}, d.data());
        // y = x * detach(x^2): gradient treats the detached factor as a constant -> x^2
        x.mul(x.square().detach()).sum().backward();
        assertValues(new float[] {1, 4}, x.grad());
    }

    @Test void opsOnConstantsRecordNothing() {
        Variable c = Variable.constant(of(new float[] {1, 2}, 2));
        Variable y = c.exp().mul(c);
        assertFalse(y.requiresGrad());
        assertTrue(y.isLeaf());
        // mixing a constant in: only the parameter gets a gradient
        Variable x = param(3, 4);
        x.mul(c).sum().backward();
        assertValues(new float[] {1, 2}, x.grad());
        assertNull(c.grad());
    }

    @Test void unusedParameterKeepsANullGradient() {
        Variable x = param(1), unused = param(2);
        x.mul(2f).sum().backward();
        assertNull(unused.grad());
    }

    @Test void backwardOnALeafSeedsItsOwnGradient() {
        Variable x = param(1, 2);
        x.backward(of(new float[] {3, 4}, 2), false);
        assertValues(new float[] {3, 4}, x.grad());
    }

    @Test void deepChainsDoNotOverflowTheStack() {
        Variable x = param(1);
        Variable y = x;
        for (int i = 0; i < 20_000; i++) y = y.add(1f);
        y.sum().backward();
        assertValues(new float[] {1}, x.grad());
    }

    @Test void broadcastGradientsAreReducedToTheInputShapeAndDense() {
        Variable a = Variable.parameter(of(new float[] {1, 2, 3}, 3, 1));
        Variable b = Variable.parameter(of(new float[] {10, 20}, 2));
        a.mul(b).sum().backward();
        assertArrayEquals(new int[] {3, 1}, a.grad().shape());
        assertValues(new float[] {30, 30, 30}, a.grad());
        assertValues(new float[] {6, 6}, b.grad());
        assertTrue(a.grad().isContiguous() && b.grad().isContiguous());
    }

    @Test void setDataChecksShapeAndDeviceAndKeepsTheLeaf() {
        Variable w = param(1, 2);
        Tensor t = of(new float[] {5, 6}, 2);
        w.setData(t);
        assertSame(t, w.data());
        var e = assertThrows(IllegalArgumentException.class, () -> w.setData(of(new float[] {1, 2, 3}, 3)));
        assertTrue(e.getMessage().contains("setData: shape (3,) differs from the variable's (2,)"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> w.setGrad(of(new float[] {1}, 1, 1)));
        assertTrue(e2.getMessage().contains("setGrad"), e2.getMessage());
        var e3 = assertThrows(IllegalStateException.class, () -> w.mul(2f).setData(t));
        assertTrue(e3.getMessage().contains("only leaves"), e3.getMessage());
    }

    @Test void setGradReplacesTheAccumulator() {
        Variable w = param(1, 2);
        w.mul(3f).sum().backward();
        w.setGrad(w.grad().mul(0.5f));
        w.mul(1f).sum().backward();
        assertValues(new float[] {2.5f, 2.5f}, w.grad());
    }

    @Test void comparisonsAreNotDifferentiable() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> diffusion4j.autograd.ops.Binary.apply(diffusion4j.tensor.BinaryOp.GT, param(1), param(2)));
        assertTrue(e.getMessage().contains("gt is not differentiable"), e.getMessage());
    }

    @Test void tiedMaximaShareTheGradient() {
        Variable x = param(3, 1, 3, 2);
        x.max().backward();
        assertValues(new float[] {0.5f, 0, 0.5f, 0}, x.grad());
        Variable a = param(1, 2), b = param(1, 3);
        a.maximum(b).sum().backward();
        assertValues(new float[] {0.5f, 0}, a.grad());
        assertValues(new float[] {0.5f, 1}, b.grad());
    }

    @Test void splitPiecesCoverTheInput() {
        Variable x = param(1, 2, 3, 4, 5);
        var parts = x.split(2, 0);
        assertEquals(3, parts.size());
        parts.get(0).mul(1f).add(parts.get(1).mul(2f)).sum().add(parts.get(2).mul(3f).sum()).backward();
        assertValues(new float[] {1, 1, 2, 2, 3}, x.grad());
    }

    @Test void dropoutOutsideTrainingIsTheIdentity() {
        Variable x = param(1, 2, 3);
        assertSame(x, NN.dropout(x, 0.5f, new diffusion4j.tensor.Generator(1), false));
        var e = assertThrows(IllegalArgumentException.class, () -> NN.dropout(x, 1f, new diffusion4j.tensor.Generator(1), true));
        assertTrue(e.getMessage().contains("p must be in [0, 1)"), e.getMessage());
    }

    @Test void lossesValidateShapesWithClearMessages() {
        Variable logits = Variable.parameter(of(new float[6], 2, 3));
        var e = assertThrows(IllegalArgumentException.class, () -> NN.crossEntropy(logits, of(new float[] {0, 1, 2}, 3)));
        assertTrue(e.getMessage().contains("targets must be (2,), got (3,)"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> NN.mse(logits, of(new float[3], 3)));
        assertTrue(e2.getMessage().contains("mse: target has shape (3,), expected (2, 3)"), e2.getMessage());
    }
}
