package diffusion4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import diffusion4j.tensor.BinaryOp;
import diffusion4j.tensor.UnaryOp;
import java.util.Arrays;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The hand-written vector exp, log, tanh, sin, cos and pow against the double-precision definitions
 * in {@link UnaryOp#apply} / {@link BinaryOp#apply}, in float ulps: dense sweeps over float bit
 * patterns (which sample every binade evenly, subnormals included) plus special values, and the
 * fixed-order lane reductions against the scalar pairwise tree they promise.
 */
class VecMathAccuracyTest {
    /** The accuracy the vector functions promise, in float ulps of the exact result. */
    private static final double MAX_ULPS = 2;

    private static final float[] SPECIAL = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 0x1p-127f, -0x1.8p-130f, Float.MAX_VALUE, -Float.MAX_VALUE,
            1f, -1f, 0.5f, -0.5f, 2f, 1e-30f, -1e-30f, 1e-7f, 3e-8f, 88.72283f, 88.72284f, 89f, -87.33655f, -103.97208f,
            -103.97209f, -104f, -150f, 0.625f, 0.62499994f, 9f, 9.1f, 44.5f, -44.5f, 1e5f, -1e5f, 0x1p49f, 0x1.000002p49f,
            1e20f, -3e38f, (float) Math.PI, (float) (Math.PI / 2), (float) (-Math.PI / 4), 355f, 103993f, 1.41421354f,
            0.70710677f, 0.99999994f, 1.0000001f};

    /**
     * Distance of {@code actual} from the exact {@code expected} in ulps of the float nearest to it;
     * infinite when they differ in kind (NaN, infinite, or an exact zero's sign).
     */
    static double ulps(double expected, float actual) {
        if (Double.isNaN(expected) || Float.isNaN(actual)) return Double.isNaN(expected) == Float.isNaN(actual) ? 0 : Double.POSITIVE_INFINITY;
        float rounded = (float) expected;
        if (Float.isInfinite(rounded) || Float.isInfinite(actual)) return rounded == actual ? 0 : Double.POSITIVE_INFINITY;
        if (expected == 0) return Float.floatToRawIntBits(actual) == Float.floatToRawIntBits(rounded) ? 0 : Double.POSITIVE_INFINITY;
        return Math.abs(actual - expected) / Math.ulp(Math.abs(rounded));
    }

    /** Floats from {@code from} to {@code to} (same sign, |from| <= |to|) in steps of {@code step} bit patterns. */
    static float[] sweep(float from, float to, int step) {
        int a = Float.floatToRawIntBits(from), b = Float.floatToRawIntBits(to);
        int n = (b - a) / step + 1;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat(a + i * step);
        return out;
    }

    static float[] concat(float[]... parts) {
        float[] out = new float[0];
        for (float[] p : parts) {
            int n = out.length;
            out = Arrays.copyOf(out, n + p.length);
            System.arraycopy(p, 0, out, n, p.length);
        }
        return out;
    }

    /** The worst ulp error of {@code op} over xs (plus the special values), evaluated as the backend does. */
    static double worstUnary(UnaryOp op, float[] xs) {
        float[] in = padded(concat(xs, SPECIAL)), out = new float[in.length];
        VecMath.unary(op, in, 0, out, 0, in.length);
        double worst = 0;
        for (int i = 0; i < in.length; i++) {
            double e = ulps(op.apply(in[i]), out[i]);
            if (!(e <= MAX_ULPS)) throw new AssertionError(op + "(" + in[i] + ") = " + out[i] + ", exact " + op.apply(in[i]) + ": " + e + " ulps");
            worst = Math.max(worst, e);
        }
        return worst;
    }

    static float[] padded(float[] a) {
        int lanes = VecMath.S.length();
        float[] p = Arrays.copyOf(a, (a.length + lanes - 1) / lanes * lanes);
        return p;
    }

    static void report(String what, double worst) {
        System.out.printf("VecMath %-5s max error %.3f ulp%n", what, worst);
    }

    @Test void expWithinTwoUlpsFromUnderflowToOverflow() {
        float[] xs = concat(sweep(0f, 89f, 977), sweep(-0f, -104f, 977), sweep(0.25f, 1f, 13), sweep(-0.25f, -1f, 13));
        report("exp", worstUnary(UnaryOp.EXP, xs));
    }

    @Test void logWithinTwoUlpsOverEveryBinadeAndSubnormals() {
        float[] xs = concat(sweep(Float.MIN_VALUE, Float.MAX_VALUE, 1931), sweep(0.5f, 2f, 17), sweep(-0f, -5f, 100_003));
        report("log", worstUnary(UnaryOp.LOG, xs));
    }

    @Test void tanhWithinTwoUlpsIncludingNearZeroAndSaturation() {
        float[] xs = concat(sweep(0f, 12f, 811), sweep(-0f, -12f, 811), sweep(0.5f, 0.75f, 7), sweep(1e-30f, 1e30f, 100_003));
        report("tanh", worstUnary(UnaryOp.TANH, xs));
    }

    @Test void sinAndCosWithinTwoUlpsNearZerosAndForHugeArguments() {
        float[] xs = concat(sweep(0f, 1e5f, 743), sweep(-0f, -1e5f, 743), sweep(1e5f, Float.MAX_VALUE, 40_009),
                sweep(-1e5f, -Float.MAX_VALUE, 40_009));
        report("sin", worstUnary(UnaryOp.SIN, xs));
        report("cos", worstUnary(UnaryOp.COS, xs));
    }

    @Test void powWithinTwoUlpsOnAGrid() {
        float[] bases = concat(sweep(Float.MIN_VALUE, 1e6f, 1_500_007), sweep(0.9f, 1.1f, 30_011));
        float[] exps = concat(sweep(0f, 60f, 4_000_037), sweep(-0f, -60f, 4_000_037), new float[] {1f, 2f, 3f, 0.5f, -1f, 7f, -3f});
        int n = bases.length * exps.length;
        float[] a = new float[n], b = new float[n];
        for (int i = 0; i < bases.length; i++) {
            for (int j = 0; j < exps.length; j++) {
                // Negative bases too: half the grid, so odd and even integer exponents both get signs.
                a[i * exps.length + j] = (i + j) % 2 == 0 ? bases[i] : -bases[i];
                b[i * exps.length + j] = exps[j];
            }
        }
        report("pow", worstBinary(BinaryOp.POW, a, b));
    }

    @Test void powMatchesMathPowOnSpecialValues() {
        float[] v = {0f, -0f, 1f, -1f, 0.5f, -0.5f, 2f, -2f, 3f, -3f, 2.5f, -2.5f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.NaN, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 0x1p23f + 1, -(0x1p23f + 1), 0x1p24f,
                -0x1p24f, 0x1p22f + 0.5f, 1e10f, -1e10f, 0.99999994f, 1.0000001f, 127f, -127f, 150f, -150f};
        float[] a = new float[v.length * v.length], b = new float[a.length];
        for (int i = 0; i < v.length; i++) {
            for (int j = 0; j < v.length; j++) {
                a[i * v.length + j] = v[i];
                b[i * v.length + j] = v[j];
            }
        }
        double worst = worstBinary(BinaryOp.POW, a, b);
        // Everything exact here has an exactly representable answer: 0, +-1, inf, NaN, small powers of two and of 3.
        assertEquals(0.0, worst, 1.0, "pow special values");
    }

    static double worstBinary(BinaryOp op, float[] a, float[] b) {
        float[] pa = padded(a), pb = padded(b), out = new float[pa.length];
        VecMath.binary(op, pa, 0, pb, 0, out, 0, pa.length);
        double worst = 0;
        for (int i = 0; i < pa.length; i++) {
            double e = ulps(op.apply(pa[i], pb[i]), out[i]);
            if (!(e <= MAX_ULPS)) {
                throw new AssertionError(op + "(" + pa[i] + ", " + pb[i] + ") = " + out[i] + ", exact " + op.apply(pa[i], pb[i]) + ": " + e + " ulps");
            }
            worst = Math.max(worst, e);
        }
        return worst;
    }

    /** The scalar definition of {@link VecMath#sumLanes}: lane i += lane i + h for h = L/2, L/4, ..., 1. */
    static float pairwise(float[] lanes, java.util.function.BinaryOperator<Float> op) {
        float[] v = lanes.clone();
        for (int h = v.length / 2; h > 0; h /= 2) {
            for (int i = 0; i < h; i++) v[i] = op.apply(v[i], v[i + h]);
        }
        return v[0];
    }

    @Test void laneReductionsFollowTheFixedPairwiseTree() {
        Random rnd = new Random(5);
        int lanes = VecMath.S.length();
        for (int trial = 0; trial < 2000; trial++) {
            float[] v = new float[lanes];
            for (int i = 0; i < lanes; i++) v[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(9) - 4));
            if (trial % 7 == 0) v[rnd.nextInt(lanes)] = trial % 2 == 0 ? -0f : 0f;
            if (trial % 11 == 0) v[rnd.nextInt(lanes)] = Float.NaN;
            FloatVector fv = FloatVector.fromArray(VecMath.S, v, 0);
            assertEquals(Float.floatToIntBits(pairwise(v, Float::sum)), Float.floatToIntBits(VecMath.sumLanes(fv)), "sum " + Arrays.toString(v));
            assertEquals(Float.floatToIntBits(pairwise(v, Math::max)), Float.floatToIntBits(VecMath.maxLanes(fv)), "max " + Arrays.toString(v));
            assertEquals(Float.floatToIntBits(pairwise(v, Math::min)), Float.floatToIntBits(VecMath.minLanes(fv)), "min " + Arrays.toString(v));
        }
        // The sign of a zero survives max/min in any order: max(-0, +0) = +0, min(-0, +0) = -0.
        float[] zeros = new float[lanes];
        Arrays.fill(zeros, -0f);
        zeros[lanes - 1] = 0f;
        FloatVector z = FloatVector.fromArray(VecMath.S, zeros, 0);
        assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(VecMath.maxLanes(z)));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(VecMath.minLanes(z)));
    }
}
