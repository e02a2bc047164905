package diffusion4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The fused Adam update on the reference backend against Algorithm 1 worked by hand, and its input checks. */
class AdamUpdateTest {
    private static Tensor of(float... v) {
        return Tensor.of(Device.REFERENCE, v, v.length);
    }

    /**
     * First step from zero moments: m = (1 - b1) g, v = (1 - b2) g^2, so m_hat = g, v_hat = g^2 and
     * the step is lr g / (|g| + eps): lr sign(g) for |g| >> eps. Here b1 = 0.5, b2 = 0.75, lr = 0.1.
     */
    @Test void firstStepMovesEachWeightByLrAgainstTheGradientSign() {
        AdamUpdate u = AdamUpdate.of(0.5, 0.75, 1e-8, 0, true, 0.1, 1);
        AdamUpdate.Result r = u.apply(of(1f, -2f, 0.5f), of(4f, -0.25f, 0f), null, null);
        assertArrayEquals(new float[] {2f, -0.125f, 0f}, r.m().toFloatArray(), 1e-7f);
        assertArrayEquals(new float[] {4f, 0.015625f, 0f}, r.v().toFloatArray(), 1e-7f);
        assertArrayEquals(new float[] {0.9f, -1.9f, 0.5f}, r.w().toFloatArray(), 1e-6f); // g = 0: no move
    }

    /**
     * Second step with both decays, by hand: w = 1, g = 1, m = 0.5, v = 0.25 (the first step's
     * moments of g = 1 with b1 = b2 = 0.5), lr = 0.1, wd = 0.5, t = 2, so bc1 = bc2 = 0.75.
     */
    @Test void secondStepWithDecoupledAndL2Decay() {
        Tensor w = of(1f), g = of(1f), m = of(0.5f), v = of(0.25f);
        // AdamW: w1 = 1 - 0.1 * 0.5 = 0.95; m = 0.75, v = 0.625; w = 0.95 - 0.1 / 0.75 * 0.75 / sqrt(0.625 / 0.75)
        AdamUpdate.Result dec = AdamUpdate.of(0.5, 0.5, 0, 0.5, true, 0.1, 2).apply(w, g, m, v);
        assertEquals(0.95 - 0.1 / Math.sqrt(0.625 / 0.75), dec.w().toFloatArray()[0], 1e-6);
        // Adam with L2: g1 = 1 + 0.5 * 1 = 1.5; m = 1, v = 1.25; w = 1 - 0.1 / 0.75 * 1 / sqrt(1.25 / 0.75)
        AdamUpdate.Result l2 = AdamUpdate.of(0.5, 0.5, 0, 0.5, false, 0.1, 2).apply(w, g, m, v);
        assertEquals(1.0, l2.m().toFloatArray()[0], 1e-7);
        assertEquals(1.25, l2.v().toFloatArray()[0], 1e-7);
        assertEquals(1 - 0.1 / 0.75 / Math.sqrt(1.25 / 0.75), l2.w().toFloatArray()[0], 1e-6);
    }

    @Test void mismatchedInputsAreRejectedByName() {
        AdamUpdate u = AdamUpdate.of(0.9, 0.999, 1e-8, 0, true, 1e-3, 1);
        Tensor w = of(1f, 2f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> u.apply(w, of(1f), null, null));
        assertEquals("adam: gradient of shape (1,) for a weight of shape (2,)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> u.apply(w, of(1f, 1f), of(1f, 1f, 1f), null));
        assertEquals("adam: first moment of shape (3,) for a weight of shape (2,)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AdamUpdate.of(0.9, 0.999, 1e-8, 0, true, 1e-3, 0));
        assertEquals("adam: step must be >= 1, got 0", e.getMessage());
    }
}
