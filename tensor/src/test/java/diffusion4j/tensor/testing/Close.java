package diffusion4j.tensor.testing;

import static org.junit.jupiter.api.Assertions.fail;

import diffusion4j.tensor.Shapes;

/**
 * Closeness of float results, shared by every suite that compares a backend against the
 * reference: {@code |actual - expected| <= atol + rtol * |expected|} per element. NaN matches only
 * NaN and an infinity only the same infinity. A failure names the first bad element (with its
 * multi-dim position when a shape is given), both values, and the largest error over the array, so
 * one message tells whether a kernel is off by rounding or simply wrong.
 */
public final class Close {
    private Close() {}

    public static void assertClose(float[] expected, float[] actual, double atol, double rtol, String what) {
        assertClose(expected, actual, atol, rtol, what, null);
    }

    /** As above; {@code shape} (row-major, or null) turns the first bad index into a position like (1, 0, 2). */
    public static void assertClose(float[] expected, float[] actual, double atol, double rtol, String what, int[] shape) {
        if (expected.length != actual.length) {
            fail(what + ": expected " + expected.length + " elements but got " + actual.length);
        }
        int first = -1, worst = -1;
        double maxErr = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            boolean ok;
            double err;
            if (Double.isNaN(e) || Double.isNaN(a) || Double.isInfinite(e) || Double.isInfinite(a)) {
                ok = Double.compare(e, a) == 0 || (e == a);
                err = ok ? 0 : Double.POSITIVE_INFINITY;
            } else {
                err = Math.abs(a - e);
                ok = err <= atol + rtol * Math.abs(e);
            }
            if (!ok && first < 0) first = i;
            if (err > maxErr || worst < 0 && !ok) {
                maxErr = err;
                worst = i;
            }
        }
        if (first >= 0) {
            fail(what + ": element " + position(first, shape) + " expected " + expected[first] + " but was " + actual[first]
                    + " (atol " + atol + ", rtol " + rtol + "); max error " + maxErr + " at " + position(worst, shape)
                    + " over " + expected.length + " elements");
        }
    }

    /** {@code "17 (1, 0, 2)"}: the flat index and, when the shape is known and matches, the position in it. */
    public static String position(int flat, int[] shape) {
        if (shape == null || Shapes.numel(shape) <= flat || shape.length == 0) return String.valueOf(flat);
        int[] idx = new int[shape.length];
        int rem = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = rem % shape[d];
            rem /= shape[d];
        }
        return flat + " " + Shapes.format(idx);
    }
}
