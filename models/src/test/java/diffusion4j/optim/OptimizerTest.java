package diffusion4j.optim;

import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two steps of each optimizer on fixed gradients against values computed by hand from the update
 * equations (in double, by the short script in the comment below), for w0 = (1, -2, 0.5),
 * g1 = (0.5, 1, -0.25), g2 = (-0.1, 0.2, 0.4).
 * <pre>
 * sgd:   g += wd*w; b = g (t=1) or mu*b + g; d = nesterov ? g + mu*b : b; w -= lr*d
 * adam:  g += wd*w (Adam) | w *= 1 - lr*wd (AdamW); m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 *        w -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
 * </pre>
 */
class OptimizerTest {
    static final Device DEV = Device.REFERENCE;
    static final float[] W0 = {1f, -2f, 0.5f};
    static final float[][] G = {{0.5f, 1f, -0.25f}, {-0.1f, 0.2f, 0.4f}};

    /** Runs two steps with the fixed gradients; returns w after each. */
    static double[][] twoSteps(Function<Map<String, Variable>, Optimizer> make) {
        Variable w = Variable.parameter(Tensor.of(DEV, W0, 3));
        Optimizer opt = make.apply(Map.of("w", w));
        double[][] out = new double[2][];
        for (int s = 0; s < 2; s++) {
            w.setGrad(Tensor.of(DEV, G[s], 3));
            opt.step();
            float[] v = w.data().toFloatArray();
            out[s] = new double[] {v[0], v[1], v[2]};
        }
        assertEquals(2, opt.stepCount());
        return out;
    }

    static void assertSteps(double[][] expected, double[][] actual) {
        for (int s = 0; s < 2; s++) {
            for (int i = 0; i < 3; i++) assertEquals(expected[s][i], actual[s][i], 2e-6, "step " + (s + 1) + " element " + i);
        }
    }

    @Test void sgdWithMomentumAndWeightDecay() {
        // Step 1: g = (0.51, 0.98, -0.245), b = g, w = w0 - 0.1 b. Step 2: g = g2 + 0.01 w1, b = 0.9 b + g.
        assertSteps(new double[][] {{0.949, -2.098, 0.5245}, {0.912151, -2.204102, 0.5060255}},
                twoSteps(p -> new SGD(p, LrSchedule.constant(0.1), 0.9, false, 0.01)));
    }

    @Test void sgdNesterov() {
        assertSteps(new double[][] {{0.9031, -2.1862, 0.54655}, {0.87907411, -2.29942622, 0.489356555}},
                twoSteps(p -> new SGD(p, LrSchedule.constant(0.1), 0.9, true, 0.01)));
    }

    @Test void plainSgdIsWMinusLrG() {
        assertSteps(new double[][] {{0.95, -2.1, 0.525}, {0.96, -2.12, 0.485}}, twoSteps(p -> new SGD(p, 0.1)));
    }

    @Test void adamWithL2() {
        // t = 1: m_hat = g, v_hat = g^2, so the step is lr * g/(|g| + eps): about lr * sign(g).
        assertSteps(new double[][] {{0.9900000001666667, -2.009999999875, 0.5099999995000001},
                        {0.9833118355673723, -2.0166912707007394, 0.5059121341340386}},
                twoSteps(p -> new Adam(p, LrSchedule.constant(0.01), 0.9, 0.999, 1e-8, 0.1)));
    }

    @Test void adamWDecouplesTheDecay() {
        // t = 1: w = w0 * (1 - 0.01 * 0.1) - 0.01 * sign(g1): 0.999 - 0.01, -1.998 - 0.01, 0.4995 + 0.01.
        assertSteps(new double[][] {{0.9890000002, -2.0079999999, 0.5094999996},
                        {0.9829007395697325, -2.0140224095730224, 0.5062293697628353}},
                twoSteps(p -> new AdamW(p, LrSchedule.constant(0.01), 0.9, 0.999, 1e-8, 0.1)));
    }

    @Test void parametersWithoutGradientAreSkipped() {
        Variable a = Variable.parameter(Tensor.of(DEV, new float[] {1}, 1)), b = Variable.parameter(Tensor.of(DEV, new float[] {2}, 1));
        LinkedHashMap<String, Variable> p = new LinkedHashMap<>();
        p.put("a", a);
        p.put("b", b);
        AdamW opt = new AdamW(p, LrSchedule.constant(0.1));
        a.setGrad(Tensor.of(DEV, new float[] {1}, 1));
        opt.step();
        assertEquals(2f, b.data().item());
        assertEquals(1f * (1 - 0.1f * 0.01f) - 0.1f, a.data().item(), 1e-6);
        assertFalse(opt.stateDict().containsKey("exp_avg.b"));
        opt.zeroGrad();
        assertNull(a.grad());
    }

    @Test void resumingFromTheStateDictContinuesExactly() {
        // Optimizer A takes three steps; B is restored from A's state after two and must then match A.
        Variable wa = Variable.parameter(Tensor.of(DEV, W0, 3)), wb = Variable.parameter(Tensor.of(DEV, W0, 3));
        LrSchedule lr = LrSchedule.warmupCosine(0.05, 0.001, 2, 10);
        AdamW a = new AdamW(Map.of("w", wa), lr), b = new AdamW(Map.of("w", wb), lr);
        float[][] grads = {G[0], G[1], {0.3f, -0.7f, 0.05f}};
        LinkedHashMap<String, Tensor> saved = null;
        Tensor weightSaved = null;
        for (int s = 0; s < 3; s++) {
            if (s == 2) {
                saved = a.stateDict(); // tensors are immutable: this is a snapshot
                weightSaved = wa.data();
            }
            wa.setGrad(Tensor.of(DEV, grads[s], 3));
            a.step();
        }
        assertEquals(java.util.List.of("step", "exp_avg.w", "exp_avg_sq.w"), java.util.List.copyOf(saved.keySet()));
        b.loadStateDict(saved);
        assertEquals(2, b.stepCount());
        assertEquals(lr.at(2), b.currentLr(), 0);
        wb.setData(weightSaved);
        wb.setGrad(Tensor.of(DEV, grads[2], 3));
        b.step();
        assertArrayEquals(wa.data().toFloatArray(), wb.data().toFloatArray());
    }

    @Test void loadStateDictRejectsUnknownKeysAndWrongShapes() {
        Variable w = Variable.parameter(Tensor.of(DEV, W0, 3));
        Adam opt = new Adam(Map.of("w", w), LrSchedule.constant(0.1));
        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("step", Tensor.of(DEV, new float[] {3}, 1));
        bad.put("exp_avg.w", Tensor.zeros(DEV, 4));
        bad.put("momentum_buffer.w", Tensor.zeros(DEV, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(bad));
        assertTrue(e.getMessage().contains("exp_avg.w has shape (4,), parameter has (3,)"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected key 'momentum_buffer.w'"), e.getMessage());
        assertEquals(0, opt.stepCount(), "a failed load changes nothing");
        e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(Map.of("step", Tensor.of(DEV, new float[] {1.5f}, 1))));
        assertTrue(e.getMessage().contains("whole number"), e.getMessage());
    }

    @Test void hyperparameterValidation() {
        Map<String, Variable> p = Map.of("w", Variable.parameter(Tensor.of(DEV, W0, 3)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Adam(p, LrSchedule.constant(1), 1.0, 0.999, 1e-8, 0));
        assertTrue(e.getMessage().contains("betas must be in [0, 1)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SGD(p, LrSchedule.constant(1), 0, true, 0));
        assertTrue(e.getMessage().contains("Nesterov momentum needs momentum > 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SGD(Map.of(), 0.1));
        assertTrue(e.getMessage().contains("no parameters"), e.getMessage());
    }
}
