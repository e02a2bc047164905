package diffusion4j.autograd;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import java.util.Random;

/** Deterministic test inputs on the reference backend. */
final class AgTesting {
    private AgTesting() {}

    static Tensor randn(Random r, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return Tensor.of(Device.REFERENCE, v, shape);
    }

    /** Uniform in [lo, hi): for ops defined on part of the line (log, sqrt, division). */
    static Tensor uniform(Random r, float lo, float hi, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * r.nextFloat();
        return Tensor.of(Device.REFERENCE, v, shape);
    }

    /**
     * Gaussian values at least 0.1 away from 0 and pairwise at least 0.05 apart, shuffled: finite
     * differences with eps 1e-2 then never straddle a kink (relu, abs) or swap an arg-max.
     */
    static Tensor spread(Random r, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int k = i - n / 2;
            v[i] = (float) (0.05 * k + (k >= 0 ? 0.1 : -0.1));
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            float t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return Tensor.of(Device.REFERENCE, v, shape);
    }

    static Tensor of(float[] v, int... shape) {
        return Tensor.of(Device.REFERENCE, v, shape);
    }
}
