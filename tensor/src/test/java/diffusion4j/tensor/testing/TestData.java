package diffusion4j.tensor.testing;

import java.util.Random;

/** Deterministic test inputs shared by the backend test suites (parity, OpenCL kernels). */
public final class TestData {
    private TestData() {}

    /** {@code n} draws of a normal distribution with standard deviation {@code scale}, from {@code seed}. */
    public static float[] gaussian(long seed, float scale, int n) {
        Random r = new Random(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) r.nextGaussian() * scale;
        return f;
    }
}
