package diffusion4j.kernels.cpu;

import diffusion4j.tensor.BinaryOp;
import diffusion4j.tensor.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector form of every elementwise primitive, one exhaustive switch per enum so that a new
 * {@link UnaryOp} or {@link BinaryOp} row fails to compile here until it has a vector definition.
 *
 * <p>Every case names its {@link VectorOperators} constant literally: C2 turns a lanewise call into
 * SIMD only when the operator is a compile-time constant, so an operator is never passed around as
 * a value (a loop taking the operator as a parameter runs the boxed fallback unless it happens to
 * be inlined). The switch is per vector, not per element, on a loop-invariant op: one loop serves
 * every op without 18 copies of it, and each branch stores its own result (see {@link #unary}).
 */
final class VecMath {
    private VecMath() {}

    /** The widest float species the CPU runs natively, chosen once. */
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);
    private static final float INV_SQRT_2 = (float) (1 / Math.sqrt(2));
    private static final float TWO_OVER_SQRT_PI = (float) (2 / Math.sqrt(Math.PI));

    /**
     * {@code out[oo + i] = op(x[xo + i])} for i in [0, n), n a multiple of the vector length. Each
     * case loads, computes and stores by itself: a vector never flows out of a branch, so however
     * many ops the JIT has seen in this one compiled loop, no branch merges vector values (which
     * would box them and cost 10x).
     */
    static void unary(UnaryOp op, float[] x, int xo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            int o = oo + i;
            switch (op) {
                case NEG -> v.lanewise(VectorOperators.NEG).intoArray(out, o);
                case ABS -> v.lanewise(VectorOperators.ABS).intoArray(out, o);
                case EXP -> v.lanewise(VectorOperators.EXP).intoArray(out, o);
                case LOG -> v.lanewise(VectorOperators.LOG).intoArray(out, o);
                case SQRT -> v.lanewise(VectorOperators.SQRT).intoArray(out, o);
                case SIN -> v.lanewise(VectorOperators.SIN).intoArray(out, o);
                case COS -> v.lanewise(VectorOperators.COS).intoArray(out, o);
                case TANH -> v.lanewise(VectorOperators.TANH).intoArray(out, o);
                case SIGN -> sign(v).intoArray(out, o);
                case RSQRT -> v.broadcast(1f).div(v.lanewise(VectorOperators.SQRT)).intoArray(out, o);
                case SQUARE -> v.mul(v).intoArray(out, o);
                case RECIPROCAL -> v.broadcast(1f).div(v).intoArray(out, o);
                case SIGMOID -> sigmoid(v).intoArray(out, o);
                // v > 0 ? v : 0 keeps relu(NaN) = 0 like the definition; a lanewise MAX would give NaN.
                case RELU -> v.broadcast(0f).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(out, o);
                case SILU -> v.mul(sigmoid(v)).intoArray(out, o);
                case GELU_ERF -> v.mul(0.5f).mul(erf(v.mul(INV_SQRT_2)).add(1f)).intoArray(out, o);
                case GELU_TANH -> geluTanh(v).intoArray(out, o);
                case ERF -> erf(v).intoArray(out, o);
            }
        }
    }

    /** {@code out[oo + i] = op(a[ao + i], b[bo + i])} for i in [0, n), n a multiple of the vector length; comparisons give 1 or 0. */
    static void binary(BinaryOp op, float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i += S.length()) {
            FloatVector x = FloatVector.fromArray(S, a, ao + i), y = FloatVector.fromArray(S, b, bo + i);
            int o = oo + i;
            switch (op) {
                case ADD -> x.add(y).intoArray(out, o);
                case SUB -> x.sub(y).intoArray(out, o);
                case MUL -> x.mul(y).intoArray(out, o);
                case DIV -> x.div(y).intoArray(out, o);
                case POW -> x.lanewise(VectorOperators.POW, y).intoArray(out, o);
                // MAX and MIN have Math.max semantics: NaN in either lane propagates, as defined.
                case MAXIMUM -> x.lanewise(VectorOperators.MAX, y).intoArray(out, o);
                case MINIMUM -> x.lanewise(VectorOperators.MIN, y).intoArray(out, o);
                case EQ -> mask(x.compare(VectorOperators.EQ, y)).intoArray(out, o);
                case NE -> mask(x.compare(VectorOperators.NE, y)).intoArray(out, o);
                case LT -> mask(x.compare(VectorOperators.LT, y)).intoArray(out, o);
                case LE -> mask(x.compare(VectorOperators.LE, y)).intoArray(out, o);
                case GT -> mask(x.compare(VectorOperators.GT, y)).intoArray(out, o);
                case GE -> mask(x.compare(VectorOperators.GE, y)).intoArray(out, o);
            }
        }
    }

    private static FloatVector mask(VectorMask<Float> m) {
        return FloatVector.zero(S).blend(1f, m);
    }

    /** signum: +-1 for nonzero lanes; 0, -0 and NaN pass through unchanged like Math.signum. */
    private static FloatVector sign(FloatVector x) {
        return x.blend(1f, x.compare(VectorOperators.GT, 0f)).blend(-1f, x.compare(VectorOperators.LT, 0f));
    }

    /** 1 / (1 + e^-x): saturates to exactly 0 and 1 instead of overflowing (e^-x = inf gives 0). */
    static FloatVector sigmoid(FloatVector x) {
        return x.broadcast(1f).div(x.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    private static FloatVector geluTanh(FloatVector x) {
        FloatVector inner = x.mul(x).mul(0.044715f * SQRT_2_OVER_PI).add(SQRT_2_OVER_PI).mul(x);
        return x.mul(0.5f).mul(inner.lanewise(VectorOperators.TANH).add(1f));
    }

    /**
     * erf to about 2e-7 absolute (and ~1e-7 relative below |x| = 0.5): Abramowitz and Stegun 7.1.26,
     * {@code 1 - (a1 t + ... + a5 t^5) e^{-x^2}} with {@code t = 1 / (1 + p|x|)}, sign restored.
     * The Vector API has no erf, and this form needs only one exp and one division.
     */
    static FloatVector erf(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector t = ax.broadcast(1f).div(ax.fma(0.3275911f, 1f));
        FloatVector poly = t.fma(1.061405429f, -1.453152027f)
                .fma(t, t.broadcast(1.421413741f))
                .fma(t, t.broadcast(-0.284496736f))
                .fma(t, t.broadcast(0.254829592f))
                .mul(t);
        FloatVector e = ax.mul(ax).neg().lanewise(VectorOperators.EXP);
        FloatVector r = poly.mul(e).neg().add(1f);
        // copySign: erf is odd; NaN lanes stay NaN through the arithmetic above.
        r = r.blend(r.neg(), x.compare(VectorOperators.LT, 0f));
        // 7.1.26's error is absolute, so near 0 its relative error grows; there the odd Taylor series
        // 2/sqrt(pi) (x - x^3/3 + x^5/10 - x^7/42 + x^9/216 - x^11/1320) is exact to ~1e-8 relative.
        FloatVector x2 = x.mul(x);
        FloatVector series = x2.fma(-1f / 1320, 1f / 216).fma(x2, x2.broadcast(-1f / 42)).fma(x2, x2.broadcast(1f / 10))
                .fma(x2, x2.broadcast(-1f / 3)).fma(x2, x2.broadcast(1f)).mul(x).mul(TWO_OVER_SQRT_PI);
        return r.blend(series, ax.compare(VectorOperators.LT, 0.5f));
    }
}
