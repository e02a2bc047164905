package diffusion4j.nn;

import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Small helpers shared by the nn tests; everything runs on the reference backend (exact, scalar). */
public final class NnTesting {
    private NnTesting() {}

    public static final Device DEV = Device.REFERENCE;

    public static Tensor t(float[] data, int... shape) {
        return Tensor.of(DEV, data, shape);
    }

    public static Variable c(float[] data, int... shape) {
        return Variable.constant(t(data, shape));
    }

    /** Elementwise |expected - actual| <= tol * (1 + |expected|), with the shape checked first. */
    public static void assertClose(double[] expected, int[] shape, Tensor actual, double tol) {
        assertArrayEquals(shape, actual.shape(), "shape");
        float[] a = actual.toFloatArray();
        assertEquals(expected.length, a.length, "element count");
        for (int i = 0; i < a.length; i++) {
            assertEquals(expected[i], a[i], tol * (1 + Math.abs(expected[i])), "element " + i);
        }
    }

    public static float[] f(double... v) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) r[i] = (float) v[i];
        return r;
    }

    /** 0, 1, 2, ... scaled and shifted, as floats: deterministic "interesting" inputs. */
    public static float[] ramp(int n, double scale, double shift) {
        float[] r = new float[n];
        for (int i = 0; i < n; i++) r[i] = (float) (i * scale + shift);
        return r;
    }
}
