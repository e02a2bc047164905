package diffusion4j.nn;

import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static diffusion4j.nn.NnTesting.DEV;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Initializers against their closed-form bounds and moments: U(-b, b) has variance b^2/3; the
 * sample moments of 20k-40k draws sit within a few percent of it.
 */
class InitTest {
    private static double[] moments(Tensor t) {
        float[] v = t.toFloatArray();
        double m = 0, s = 0;
        for (float x : v) m += x;
        m /= v.length;
        for (float x : v) s += (x - m) * (x - m);
        return new double[] {m, s / v.length, maxAbs(v)};
    }

    private static double maxAbs(float[] v) {
        double a = 0;
        for (float x : v) a = Math.max(a, Math.abs(x));
        return a;
    }

    @Test void fansOfLinearAndConvWeights() {
        assertEquals(100, Init.fanIn(new int[] {200, 100}));
        assertEquals(200, Init.fanOut(new int[] {200, 100}));
        assertEquals(8 * 9, Init.fanIn(new int[] {16, 8, 3, 3}));
        assertEquals(16 * 9, Init.fanOut(new int[] {16, 8, 3, 3}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Init.fanIn(new int[] {5}));
        assertTrue(e.getMessage().contains("at least 2 dims"), e.getMessage());
    }

    @Test void pytorchDefaultIsUniformOneOverSqrtFanIn() {
        // kaiming_uniform(a = sqrt(5)): gain sqrt(2/6), bound gain * sqrt(3/fan_in) = 1/sqrt(fan_in) = 0.1.
        Linear lin = new Linear(100, 200, DEV, new Generator(11));
        double[] w = moments(lin.weight().data());
        assertTrue(w[2] <= 0.1 + 1e-7, "bound");
        assertTrue(w[2] > 0.099, "the draws fill the range");
        assertEquals(0, w[0], 0.002);
        assertEquals(0.01 / 3, w[1], 0.01 / 3 * 0.05);
        double[] b = moments(lin.bias().data());
        assertTrue(b[2] <= 0.1 + 1e-7);
    }

    @Test void kaimingAndXavierMoments() {
        Generator g = new Generator(5);
        int[] shape = {64, 32, 3, 3}; // fan_in 288, fan_out 576, 18432 draws
        double[] ku = moments(Init.kaimingUniform(DEV, g, 0, Init.Fan.FAN_IN, shape));
        assertEquals(2.0 / 288, ku[1], 2.0 / 288 * 0.05); // relu gain^2 / fan_in
        double[] kn = moments(Init.kaimingNormal(DEV, g, 0, Init.Fan.FAN_OUT, shape));
        assertEquals(2.0 / 576, kn[1], 2.0 / 576 * 0.05);
        double[] xu = moments(Init.xavierUniform(DEV, g, 1, shape));
        assertEquals(2.0 / (288 + 576), xu[1], 2.0 / 864 * 0.05);
        assertTrue(xu[2] <= Math.sqrt(6.0 / 864) + 1e-7);
        double[] xn = moments(Init.xavierNormal(DEV, g, 1, shape));
        assertEquals(2.0 / 864, xn[1], 2.0 / 864 * 0.05);
    }

    @Test void sameSeedSameWeightsDifferentSeedDifferentWeights() {
        float[] a = new Linear(8, 8, DEV, new Generator(3)).weight().data().toFloatArray();
        float[] b = new Linear(8, 8, DEV, new Generator(3)).weight().data().toFloatArray();
        float[] c = new Linear(8, 8, DEV, new Generator(4)).weight().data().toFloatArray();
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, c));
    }
}
