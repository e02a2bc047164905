package diffusion4j.tensor.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Backends;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import java.util.Random;
import java.util.function.UnaryOperator;

/** Helpers for the reference backend's tests: tensors, random data, closeness, finite differences. */
final class RefTesting {
    private RefTesting() {}

    static Backend backend() {
        return Backends.get(Device.REFERENCE);
    }

    /** A dense reference tensor holding {@code data}. */
    static Tensor tensor(float[] data, int... shape) {
        return Tensor.wrap(new HeapStorage(data.clone()), shape, backend());
    }

    /** A reference tensor viewing {@code data} through an arbitrary layout (strides, offset). */
    static Tensor view(float[] data, Layout layout) {
        return Tensor.wrap(new HeapStorage(data.clone()), layout, backend());
    }

    /** The dense row-major values of a storage the backend returned. */
    static float[] values(Storage s) {
        return HeapStorage.of(s);
    }

    static float[] floats(double... v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }

    static double[] randomDoubles(Random r, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = r.nextGaussian();
        return d;
    }

    static float[] randomFloats(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) r.nextGaussian();
        return f;
    }

    static double dot(double[] a, double[] b) {
        assertEquals(a.length, b.length, "dot: lengths differ");
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static void assertClose(double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length, "lengths differ");
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (Double.isNaN(e) ? !Double.isNaN(a) : !(Math.abs(e - a) <= tol * Math.max(1, Math.abs(e)))) {
                fail("element " + i + ": expected " + e + " but was " + a + " (tolerance " + tol + ")");
            }
        }
    }

    static void assertClose(float[] expected, float[] actual, double tol) {
        assertClose(widen(expected), widen(actual), tol);
    }

    static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    static double[] axpy(double[] x, double h, double[] u) {
        double[] r = x.clone();
        for (int i = 0; i < r.length; i++) r[i] += h * u[i];
        return r;
    }

    /**
     * Checks an analytic gradient by central differences in double: for the scalar
     * {@code L(x) = <weights, f(x)>}, the directional derivative along a random {@code u},
     * {@code (L(x + h u) - L(x - h u)) / 2h}, must equal {@code <grad, u>}. The central difference
     * errs by O(h^2) times the third derivative, about 1e-10 here, far below the tolerance.
     */
    static void checkDirectionalDerivative(String what, UnaryOperator<double[]> f, double[] x, double[] weights,
                                           double[] grad, Random r) {
        double h = 1e-5;
        for (int trial = 0; trial < 3; trial++) {
            double[] u = randomDoubles(r, x.length);
            double numeric = (dot(weights, f.apply(axpy(x, h, u))) - dot(weights, f.apply(axpy(x, -h, u)))) / (2 * h);
            double analytic = dot(grad, u);
            double tol = 1e-6 * Math.max(1, Math.abs(analytic));
            if (Math.abs(numeric - analytic) > tol) {
                fail(what + ": finite difference " + numeric + " vs analytic " + analytic);
            }
        }
    }
}
