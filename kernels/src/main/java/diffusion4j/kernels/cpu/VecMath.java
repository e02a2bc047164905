package diffusion4j.kernels.cpu;

import diffusion4j.tensor.BinaryOp;
import diffusion4j.tensor.UnaryOp;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector form of every elementwise primitive, one exhaustive switch per enum so that a new
 * {@link UnaryOp} or {@link BinaryOp} row fails to compile here until it has a vector definition.
 *
 * <p>Every case names its {@link VectorOperators} constant literally: C2 turns a lanewise call into
 * SIMD only when the operator is a compile-time constant, so an operator is never passed around as
 * a value (a loop taking the operator as a parameter runs the boxed fallback unless it happens to
 * be inlined). Each op gets its own loop, all sharing one loop body; see {@link #unary} for why.
 *
 * <p><b>Same bits in every JIT tier.</b> The Vector API's transcendental operators ({@code EXP,
 * LOG, TANH, SIN, COS, POW}) and {@code reduceLanes(ADD)} are computed one way by the interpreter
 * and C1 (per-lane {@code Math} calls, lanes summed in order) and another by C2 (SVML routines, a
 * tree of partial sums), so a result would change at the moment the JIT compiled a loop, at a
 * different moment each run. Everything here is therefore built from operations that IEEE 754 and
 * the Java spec round exactly and that every tier computes alike: add, sub, mul, div, fma, sqrt,
 * min/max, compares, blends, int/float conversions and bit reinterprets. Functions and lane
 * reductions are written out below in a fixed order; no code in this backend may call a
 * transcendental {@link VectorOperators} constant or {@code reduceLanes(ADD)}.
 */
final class VecMath {
    private VecMath() {}

    /** The widest float species the CPU runs natively, chosen once. */
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);
    private static final float INV_SQRT_2 = (float) (1 / Math.sqrt(2));
    private static final float TWO_OVER_SQRT_PI = (float) (2 / Math.sqrt(Math.PI));

    /** One op's loop: {@code out[oo + i] = op(x[xo + i])} for i in [0, n). */
    @FunctionalInterface
    private interface UnaryLoop {
        void run(float[] x, int xo, float[] out, int oo, int n);
    }

    /** One op's loop: {@code out[oo + i] = op(a[ao + i], b[bo + i])} for i in [0, n). */
    @FunctionalInterface
    private interface BinaryLoop {
        void run(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n);
    }

    private static final UnaryLoop[] UNARY = new UnaryLoop[UnaryOp.values().length];
    private static final BinaryLoop[] BINARY = new BinaryLoop[BinaryOp.values().length];

    static {
        for (UnaryOp op : UnaryOp.values()) UNARY[op.ordinal()] = unaryLoop(op);
        for (BinaryOp op : BinaryOp.values()) BINARY[op.ordinal()] = binaryLoop(op);
    }

    /**
     * {@code out[oo + i] = op(x[xo + i])} for i in [0, n), n a multiple of the vector length.
     *
     * <p>Each op has its own loop (a lambda of its own class, so its own compiled method) and this
     * call site is megamorphic on purpose: were all ops one loop with a switch inside, C2 would
     * compile every op the program has used into one method, run past its inlining budget
     * (NodeCountInliningCutoff) and leave functions like {@link #exp} as calls that box their vector
     * arguments, 5-10x slower. The loop body itself is shared: {@link #map}, inlined into each.
     */
    static void unary(UnaryOp op, float[] x, int xo, float[] out, int oo, int n) {
        UNARY[op.ordinal()].run(x, xo, out, oo, n);
    }

    /**
     * {@code out[oo + i] = op(a[ao + i], b[bo + i])} for i in [0, n), n a multiple of the vector length; comparisons give 1 or 0.
     *
     * <p>Per op a lambda as for {@link #unary}, but the hot ones (arithmetic, the activations'
     * backward) write their loop out instead of sharing {@link #zip}: a training step's profile
     * showed C2 compiling zip on its own, with its {@code f.apply} bimorphic, and leaving it as a
     * call from the lambdas that then boxed every vector (about 0.5 GB in 4.7 s of UNet steps, some 20 MB a step).
     */
    static void binary(BinaryOp op, float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        BINARY[op.ordinal()].run(a, ao, b, bo, out, oo, n);
    }

    private static void map(float[] x, int xo, float[] out, int oo, int n, UnaryOperator<FloatVector> f) {
        for (int i = 0; i < n; i += S.length()) f.apply(FloatVector.fromArray(S, x, xo + i)).intoArray(out, oo + i);
    }

    private static void zip(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n, BinaryOperator<FloatVector> f) {
        for (int i = 0; i < n; i += S.length()) {
            f.apply(FloatVector.fromArray(S, a, ao + i), FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        }
    }

    /** The vector definition of each op; an exhaustive switch, so a new row does not compile until it has one. */
    private static UnaryLoop unaryLoop(UnaryOp op) {
        return switch (op) {
            case NEG -> (x, xo, out, oo, n) -> map(x, xo, out, oo, n, FloatVector::neg);
            case ABS -> (x, xo, out, oo, n) -> map(x, xo, out, oo, n, FloatVector::abs);
            case EXP -> (x, xo, out, oo, n) -> map(x, xo, out, oo, n, VecMath::exp);
            case LOG -> (x, xo, out, oo, n) -> map(x, xo, out, oo, n, VecMath::log);
            case SQRT -> (x, xo, out, oo, n) -> map(x, xo, out, oo, n, v -> v.lanewise(VectorOperators.SQRT));
            case SIN -> (x, xo, out, oo, n) -> { for (int i = 0; i < n; i += S.length()) sinCos(x, xo + i, false, out, oo + i); };
            case COS -> (x, xo, out, oo, n) -> { for (int i = 0; i < n; i += S.length()) sinCos(x, xo + i, true, out, oo + i); };
            case TANH -> (x, xo, out, oo, n) -> map(x, xo, out, oo, n, VecMath::tanh);
            case SIGN -> (x, xo, out, oo, n) -> map(x, xo, out, oo, n, VecMath::sign);
            case RSQRT -> (x, xo, out, oo, n) -> map(x, xo, out, oo, n, v -> v.broadcast(1f).div(v.lanewise(VectorOperators.SQRT)));
            case SQUARE -> (x, xo, out, oo, n) -> map(x, xo, out, oo, n, v -> v.mul(v));
            case RECIPROCAL -> (x, xo, out, oo, n) -> map(x, xo, out, oo, n, v -> v.broadcast(1f).div(v));
            case SIGMOID -> (x, xo, out, oo, n) -> map(x, xo, out, oo, n, VecMath::sigmoid);
            // v > 0 ? v : 0 keeps relu(NaN) = 0 like the definition; a lanewise MAX would give NaN.
            case RELU -> (x, xo, out, oo, n) -> map(x, xo, out, oo, n, v -> v.broadcast(0f).blend(v, v.compare(VectorOperators.GT, 0f)));
            case SILU -> (x, xo, out, oo, n) -> map(x, xo, out, oo, n, v -> v.mul(sigmoid(v)));
            case GELU_ERF -> (x, xo, out, oo, n) -> map(x, xo, out, oo, n, v -> v.mul(0.5f).mul(erf(v.mul(INV_SQRT_2)).add(1f)));
            case GELU_TANH -> (x, xo, out, oo, n) -> map(x, xo, out, oo, n, VecMath::geluTanh);
            case ERF -> (x, xo, out, oo, n) -> map(x, xo, out, oo, n, VecMath::erf);
        };
    }

    private static BinaryLoop binaryLoop(BinaryOp op) {
        return switch (op) {
            case ADD -> (a, ao, b, bo, out, oo, n) -> { for (int i = 0; i < n; i += L) at(a, ao + i).add(at(b, bo + i)).intoArray(out, oo + i); };
            case SUB -> (a, ao, b, bo, out, oo, n) -> { for (int i = 0; i < n; i += L) at(a, ao + i).sub(at(b, bo + i)).intoArray(out, oo + i); };
            case MUL -> (a, ao, b, bo, out, oo, n) -> { for (int i = 0; i < n; i += L) at(a, ao + i).mul(at(b, bo + i)).intoArray(out, oo + i); };
            case DIV -> (a, ao, b, bo, out, oo, n) -> { for (int i = 0; i < n; i += L) at(a, ao + i).div(at(b, bo + i)).intoArray(out, oo + i); };
            case POW -> (a, ao, b, bo, out, oo, n) -> { for (int i = 0; i < n; i += L) pow(a, ao + i, b, bo + i, out, oo + i); };
            // MAX and MIN have Math.max semantics: NaN in either lane propagates, as defined.
            case MAXIMUM -> (a, ao, b, bo, out, oo, n) -> { for (int i = 0; i < n; i += L) at(a, ao + i).max(at(b, bo + i)).intoArray(out, oo + i); };
            case MINIMUM -> (a, ao, b, bo, out, oo, n) -> { for (int i = 0; i < n; i += L) at(a, ao + i).min(at(b, bo + i)).intoArray(out, oo + i); };
            case EQ -> (a, ao, b, bo, out, oo, n) -> zip(a, ao, b, bo, out, oo, n, (x, y) -> mask(x.compare(VectorOperators.EQ, y)));
            case NE -> (a, ao, b, bo, out, oo, n) -> zip(a, ao, b, bo, out, oo, n, (x, y) -> mask(x.compare(VectorOperators.NE, y)));
            case LT -> (a, ao, b, bo, out, oo, n) -> zip(a, ao, b, bo, out, oo, n, (x, y) -> mask(x.compare(VectorOperators.LT, y)));
            case LE -> (a, ao, b, bo, out, oo, n) -> zip(a, ao, b, bo, out, oo, n, (x, y) -> mask(x.compare(VectorOperators.LE, y)));
            case GT -> (a, ao, b, bo, out, oo, n) -> zip(a, ao, b, bo, out, oo, n, (x, y) -> mask(x.compare(VectorOperators.GT, y)));
            case GE -> (a, ao, b, bo, out, oo, n) -> zip(a, ao, b, bo, out, oo, n, (x, y) -> mask(x.compare(VectorOperators.GE, y)));
            case SILU_BACKWARD -> (a, ao, b, bo, out, oo, n) -> { for (int i = 0; i < n; i += L) siluBackward(at(a, ao + i), at(b, bo + i)).intoArray(out, oo + i); };
            case SIGMOID_BACKWARD -> (a, ao, b, bo, out, oo, n) -> { for (int i = 0; i < n; i += L) sigmoidBackward(at(a, ao + i), at(b, bo + i)).intoArray(out, oo + i); };
            case TANH_BACKWARD -> (a, ao, b, bo, out, oo, n) -> { for (int i = 0; i < n; i += L) tanhBackward(at(a, ao + i), at(b, bo + i)).intoArray(out, oo + i); };
        };
    }

    private static FloatVector at(float[] a, int i) {
        return FloatVector.fromArray(S, a, i);
    }

    /** g * s (1 + x (1 - s)), s = sigmoid(x): d silu(x) / dx times the incoming gradient. */
    private static FloatVector siluBackward(FloatVector g, FloatVector x) {
        FloatVector sg = sigmoid(x);
        return g.mul(sg.mul(x.mul(sg.neg().add(1f)).add(1f)));
    }

    /** g * y (1 - y), y the sigmoid's output. */
    private static FloatVector sigmoidBackward(FloatVector g, FloatVector y) {
        return g.mul(y.mul(y.neg().add(1f)));
    }

    /** g * (1 - y^2), y the tanh's output. */
    private static FloatVector tanhBackward(FloatVector g, FloatVector y) {
        return g.mul(y.mul(y).neg().add(1f));
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
        return x.broadcast(1f).div(exp(x.neg()).add(1f));
    }

    private static FloatVector geluTanh(FloatVector x) {
        FloatVector inner = x.mul(x).mul(0.044715f * SQRT_2_OVER_PI).add(SQRT_2_OVER_PI).mul(x);
        return x.mul(0.5f).mul(tanh(inner).add(1f));
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
        FloatVector e = exp(ax.mul(ax).neg());
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

    // ---- lane reductions in a fixed order ---------------------------------------------------------

    /**
     * Lane-folding shuffles, widest first: fold h moves lane i + h to lane i, so adding a vector to
     * its fold sums lanes pairwise; after log2(lanes) folds lane 0 holds the total.
     */
    private static final List<VectorShuffle<Float>> FOLDS = folds();

    private static List<VectorShuffle<Float>> folds() {
        List<VectorShuffle<Float>> f = new ArrayList<>();
        for (int h = S.length() / 2; h > 0; h /= 2) f.add(VectorShuffle.iota(S, h, 1, true));
        return List.copyOf(f);
    }

    /** The sum of the lanes as a pairwise tree of fixed shape (lanes i and i + L/2 first, ...). */
    static float sumLanes(FloatVector v) {
        for (VectorShuffle<Float> f : FOLDS) v = v.add(v.rearrange(f));
        return v.lane(0);
    }

    /**
     * The largest lane, NaN if any lane is NaN. Math.max is commutative and associative even for -0
     * and NaN, so any order gives the same value; the fixed tree also fixes which NaN payload wins.
     */
    static float maxLanes(FloatVector v) {
        for (VectorShuffle<Float> f : FOLDS) v = v.max(v.rearrange(f));
        return v.lane(0);
    }

    /** The smallest lane, NaN if any lane is NaN; see {@link #maxLanes}. */
    static float minLanes(FloatVector v) {
        for (VectorShuffle<Float> f : FOLDS) v = v.min(v.rearrange(f));
        return v.lane(0);
    }

    // ---- float exp, log, tanh (hot: softmax, attention, activations) ------------------------------

    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer, held in the low mantissa bits. */
    private static final float ROUND_F = 0x1.8p23f;
    private static final int ROUND_F_BITS = Float.floatToRawIntBits(ROUND_F);
    private static final float LOG2E = 1.44269504f;
    /** ln 2 split so that k * LN2_HI is exact for |k| < 2^8 (fdlibm expf). */
    private static final float LN2_HI = 6.9314575195e-01f, LN2_LO = 1.4286067653e-06f;

    /**
     * e^x to 1 ulp: Cody-Waite reduction {@code x = k ln2 + r}, |r| <= ln2/2, the Taylor polynomial
     * of e^r to degree 7 (truncation 5e-9 relative) with fma, then 2^k built from exponent bits. The
     * scale is applied as two factors 2^(k/2) so results that are subnormal (x down to -104) or that
     * overflow (x past 88.72) come out of one correctly rounded multiply. NaN stays NaN.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(-104f).min(89f); // beyond these e^x is 0 or inf in float; Math.max keeps NaN
        FloatVector t = xc.fma(LOG2E, ROUND_F);
        FloatVector k = t.sub(ROUND_F);
        FloatVector r = k.fma(k.broadcast(-LN2_LO), k.fma(k.broadcast(-LN2_HI), xc));
        FloatVector q = r.fma(1f / 5040, 1f / 720).fma(r, r.broadcast(1f / 120)).fma(r, r.broadcast(1f / 24))
                .fma(r, r.broadcast(1f / 6)).fma(r, r.broadcast(0.5f));
        FloatVector p = r.mul(r).fma(q, r).add(1f);
        IntVector ki = t.reinterpretAsInts().sub(ROUND_F_BITS); // k exactly, from the rounded bits
        IntVector k1 = ki.lanewise(VectorOperators.ASHR, 1), k2 = ki.sub(k1);
        return p.mul(pow2(k1)).mul(pow2(k2));
    }

    /** 2^k for k in [-126, 127], from the exponent bits. */
    private static FloatVector pow2(IntVector k) {
        return k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    }

    /** Bits of sqrt(1/2): mantissas are reduced to [sqrt(1/2), sqrt(2)) so log(1 + f) has |f| <= 0.414. */
    private static final int SQRT_HALF_BITS = 0x3f3504f3;
    private static final float LOG_LN2_HI = 6.9313812256e-01f, LOG_LN2_LO = 9.0580006145e-06f;

    /**
     * Natural log to 1 ulp, fdlibm's logf: {@code x = 2^k m}, {@code f = m - 1},
     * {@code log(1+f) = f - (f^2/2 - s (f^2/2 + R(s^2)))} with {@code s = f / (2 + f)} and R a minimax
     * polynomial; subnormals are scaled by 2^25 first. log(0) = -inf, log(x < 0) = NaN, log(inf) = inf.
     */
    static FloatVector log(FloatVector x) {
        VectorMask<Float> tiny = x.compare(VectorOperators.LT, 0x1p-126f);
        FloatVector xs = x.blend(x.mul(0x1p25f), tiny);
        IntVector ix = xs.reinterpretAsInts().add(0x3f800000 - SQRT_HALF_BITS);
        FloatVector k = ((FloatVector) ix.lanewise(VectorOperators.ASHR, 23).sub(127).convert(VectorOperators.I2F, 0))
                .sub(x.broadcast(0f).blend(25f, tiny));
        FloatVector f = ix.and(0x007fffff).add(SQRT_HALF_BITS).reinterpretAsFloats().sub(1f);
        FloatVector s = f.div(f.add(2f)), z = s.mul(s), w = z.mul(z);
        FloatVector rr = w.fma(0xf89e26.0p-26f, 0xccce13.0p-25f).mul(w).add(w.fma(0x91e9ee.0p-25f, 0xaaaaaa.0p-24f).mul(z));
        FloatVector hfsq = f.mul(f).mul(0.5f);
        FloatVector inner = hfsq.sub(s.mul(hfsq.add(rr)).add(k.mul(LOG_LN2_LO))).sub(f);
        FloatVector r = k.mul(LOG_LN2_HI).sub(inner);
        return r.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f))
                .blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY))
                .blend(Float.NaN, x.compare(VectorOperators.LT, 0f).or(x.test(VectorOperators.IS_NAN)));
    }

    /**
     * tanh to 1 ulp. Below |x| = 0.625, {@code x + x^3 P(x^2)} with P a degree-5 Chebyshev fit of
     * (tanh x - x)/x^3 (4e-9 relative; a formula through exp would lose the relative accuracy near
     * 0); above, {@code 1 - 2/(e^{2|x|} + 1)}, which has no cancellation there and saturates to 1.
     * Computed on |x|, the sign copied back by bits so that tanh(-0) = -0.
     */
    static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs(), z = a.mul(a);
        FloatVector poly = z.fma(0.0022927448f, -0.008343945f).fma(z, z.broadcast(0.021768918f)).fma(z, z.broadcast(-0.053959258f))
                .fma(z, z.broadcast(0.13333304f)).fma(z, z.broadcast(-0.33333334f));
        FloatVector small = a.mul(z).fma(poly, a);
        FloatVector big = x.broadcast(1f).sub(x.broadcast(2f).div(exp(a.add(a)).add(1f)));
        FloatVector r = big.blend(small, a.compare(VectorOperators.LT, 0.625f));
        return r.reinterpretAsInts().or(x.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
    }

    // ---- sin, cos, pow: evaluated in double lanes -------------------------------------------------

    /**
     * Double lanes of the same bit size as {@link #S}, and the half-width float species with as many
     * lanes: a half-width load widens into one double vector and narrows back by a lane-count-preserving
     * conversion, which C2 compiles to one instruction (the part-selecting conversions it does not).
     */
    private static final VectorSpecies<Double> SD = VectorSpecies.of(double.class, VectorShape.forBitSize(S.vectorBitSize()));
    static final VectorSpecies<Float> SH = VectorSpecies.of(float.class, VectorShape.forBitSize(S.vectorBitSize() / 2));
    /** 1.5 * 2^52, the double counterpart of {@link #ROUND_F}. */
    private static final double ROUND_D = 0x1.8p52;
    private static final long ROUND_D_BITS = Double.doubleToRawLongBits(ROUND_D);
    /** pi/2 as three doubles (each the rounding of what the earlier ones leave), for Cody-Waite with fma. */
    private static final double PIO2_1 = 1.5707963267948966, PIO2_2 = 6.123233995736766e-17, PIO2_3 = -1.4973849048591698e-33;
    /** Below this the double-lane reduction is exact enough (rint(x 2/pi) must stay below 2^51); above it, StrictMath. */
    static final float TRIG_LIMIT = 0x1p49f;

    private static DoubleVector widen(FloatVector half) {
        return (DoubleVector) half.convertShape(VectorOperators.F2D, SD, 0);
    }

    /** Back to float, each lane rounded once (to 0 or inf where out of range). */
    private static FloatVector narrow(DoubleVector d) {
        return (FloatVector) d.convertShape(VectorOperators.D2F, SH, 0);
    }

    /**
     * {@code out[o..o+L) = sin} or {@code cos} of {@code x[xo..xo+L)}, L = {@link #S}'s length. In double the reduction {@code x = k pi/2 + r} with
     * a 3-part pi/2 is accurate to far below a float ulp for |x| < 2^49, and Taylor polynomials to
     * r^13 / r^16 finish it, so the float result is within 1 ulp, near the zeros too. Lanes beyond
     * {@link #TRIG_LIMIT} (rare: a float that large has no fractional bits) go through StrictMath,
     * which is pure Java and so equally tier-independent.
     */
    private static void sinCos(float[] x, int xo, boolean cos, float[] out, int o) {
        for (int h = 0; h < S.length(); h += SH.length()) {
            FloatVector v = FloatVector.fromArray(SH, x, xo + h);
            FloatVector r = narrow(sinCos(widen(v), cos));
            if (!cos) r = r.blend(v, v.compare(VectorOperators.EQ, 0f)); // sin(-0) = -0
            r.intoArray(out, o + h);
            if (v.abs().compare(VectorOperators.GT, TRIG_LIMIT).anyTrue()) {
                for (int i = h; i < h + SH.length(); i++) {
                    float e = x[xo + i];
                    if (Math.abs(e) > TRIG_LIMIT) out[o + i] = (float) (cos ? StrictMath.cos(e) : StrictMath.sin(e));
                }
            }
        }
    }

    private static DoubleVector sinCos(DoubleVector x, boolean cos) {
        DoubleVector t = x.fma(2 / Math.PI, ROUND_D), k = t.sub(ROUND_D);
        DoubleVector r = k.fma(k.broadcast(-PIO2_1), x);
        r = k.fma(k.broadcast(-PIO2_2), r);
        r = k.fma(k.broadcast(-PIO2_3), r);
        // The quadrant k mod 4 sits in the low bits of t; cos x = sin(x + pi/2) is one quadrant on.
        LongVector q = t.reinterpretAsLongs().add(cos ? 1 : 0);
        DoubleVector z = r.mul(r);
        DoubleVector sp = z.fma(1.0 / 6227020800.0, -1.0 / 39916800).fma(z, z.broadcast(1.0 / 362880)).fma(z, z.broadcast(-1.0 / 5040))
                .fma(z, z.broadcast(1.0 / 120)).fma(z, z.broadcast(-1.0 / 6));
        DoubleVector sin = r.mul(z).fma(sp, r);
        DoubleVector cos0 = z.fma(1.0 / 20922789888000.0, -1.0 / 87178291200.0).fma(z, z.broadcast(1.0 / 479001600))
                .fma(z, z.broadcast(-1.0 / 3628800)).fma(z, z.broadcast(1.0 / 40320)).fma(z, z.broadcast(-1.0 / 720))
                .fma(z, z.broadcast(1.0 / 24)).fma(z, z.broadcast(-0.5)).fma(z, z.broadcast(1.0));
        DoubleVector v = sin.blend(cos0, q.and(1L).compare(VectorOperators.NE, 0L).cast(SD));
        return v.blend(v.neg(), q.and(2L).compare(VectorOperators.NE, 0L).cast(SD));
    }

    /**
     * {@code out[o..o+L) = a[ao..ao+L) ^ b[bo..bo+L)} with {@link Math#pow}'s special cases. |x|^y = e^(y ln|x|) is evaluated in double: in float
     * the error of ln|x| would be multiplied by y (up to 88/ln|x|), far more than an ulp. The sign and
     * the cases e^(y ln|x|) gets wrong by itself are then patched by masks: negative x (odd integer y
     * negates, non-integer y gives NaN), and y = 0 gives 1 even for NaN x. 0, inf, NaN and |x| = 1 with
     * infinite y (NaN in Java) all follow from ln 0 = -inf, ln inf = inf and IEEE products.
     */
    private static void pow(float[] a, int ao, float[] b, int bo, float[] out, int o) {
        for (int h = 0; h < S.length(); h += SH.length()) {
            pow(FloatVector.fromArray(SH, a, ao + h), FloatVector.fromArray(SH, b, bo + h)).intoArray(out, o + h);
        }
    }

    /** x^y lanewise, on {@link #SH} vectors; see {@link #pow(float[], int, float[], int, float[], int)}. */
    static FloatVector pow(FloatVector x, FloatVector y) {
        FloatVector ay = y.abs();
        FloatVector mag = narrow(powAbs(widen(x.abs()), widen(y)));
        // Every float of magnitude >= 2^23 is an integer; below, adding 2^23 rounds to one.
        VectorMask<Float> integer = ay.compare(VectorOperators.GE, 0x1p23f)
                .or(ay.add(0x1p23f).sub(0x1p23f).compare(VectorOperators.EQ, ay));
        VectorMask<Float> odd = ((IntVector) ay.convert(VectorOperators.F2I, 0)).and(1).compare(VectorOperators.NE, 0).cast(x.species())
                .and(ay.compare(VectorOperators.LT, 0x1p24f)).and(integer);
        FloatVector r = mag.blend(mag.neg(), x.test(VectorOperators.IS_NEGATIVE).and(odd));
        VectorMask<Float> negFinite = x.compare(VectorOperators.LT, 0f).and(x.compare(VectorOperators.GT, Float.NEGATIVE_INFINITY));
        return r.blend(Float.NaN, negFinite.andNot(integer)).blend(1f, y.compare(VectorOperators.EQ, 0f));
    }

    /** e^(y ln a) for a >= 0 (or NaN), in double. */
    private static DoubleVector powAbs(DoubleVector a, DoubleVector y) {
        DoubleVector l = logPositive(a).blend(Double.NEGATIVE_INFINITY, a.compare(VectorOperators.EQ, 0.0))
                .blend(Double.POSITIVE_INFINITY, a.compare(VectorOperators.EQ, Double.POSITIVE_INFINITY))
                .blend(a, a.test(VectorOperators.IS_NAN));
        return expDouble(y.mul(l));
    }

    private static final long SQRT_HALF_BITS_D = Double.doubleToRawLongBits(Math.sqrt(0.5));

    /**
     * ln a for finite a > 0 that is normal in double (every float is): {@code a = 2^k m},
     * {@code ln m = f - (f^2/2 - s (f^2/2 + R))} as in {@link #log} with R the atanh series to s^14,
     * about 1e-16 relative.
     */
    private static DoubleVector logPositive(DoubleVector a) {
        LongVector ix = a.reinterpretAsLongs().add(0x3ff0000000000000L - SQRT_HALF_BITS_D);
        DoubleVector k = (DoubleVector) ix.lanewise(VectorOperators.ASHR, 52).sub(1023L).convert(VectorOperators.L2D, 0);
        DoubleVector f = ix.and(0x000fffffffffffffL).add(SQRT_HALF_BITS_D).reinterpretAsDoubles().sub(1.0);
        DoubleVector s = f.div(f.add(2.0)), z = s.mul(s);
        DoubleVector rr = z.fma(2.0 / 15, 2.0 / 13).fma(z, z.broadcast(2.0 / 11)).fma(z, z.broadcast(2.0 / 9))
                .fma(z, z.broadcast(2.0 / 7)).fma(z, z.broadcast(2.0 / 5)).fma(z, z.broadcast(2.0 / 3)).mul(z);
        DoubleVector hfsq = f.mul(f).mul(0.5);
        return k.fma(k.broadcast(LN2_D), f.sub(hfsq.sub(s.mul(hfsq.add(rr)))));
    }

    private static final double LN2_D = 0.6931471805599453, LOG2E_D = 1.4426950408889634;
    /** ln 2 split so that k * LN2_HI_D is exact (fdlibm). */
    private static final double LN2_HI_D = 6.93147180369123816490e-01, LN2_LO_D = 1.90821492927058770002e-10;

    /**
     * e^t in double to about 1e-15 relative for t where the float result is neither 0 nor inf;
     * t is clamped to [-110, 90] first, which still gives exactly 0 and inf after narrowing.
     */
    private static DoubleVector expDouble(DoubleVector t) {
        DoubleVector tc = t.max(-110.0).min(90.0);
        DoubleVector u = tc.fma(LOG2E_D, ROUND_D), k = u.sub(ROUND_D);
        DoubleVector r = k.fma(k.broadcast(-LN2_LO_D), k.fma(k.broadcast(-LN2_HI_D), tc));
        DoubleVector p = r.fma(1.0 / 39916800, 1.0 / 3628800).fma(r, r.broadcast(1.0 / 362880)).fma(r, r.broadcast(1.0 / 40320))
                .fma(r, r.broadcast(1.0 / 5040)).fma(r, r.broadcast(1.0 / 720)).fma(r, r.broadcast(1.0 / 120))
                .fma(r, r.broadcast(1.0 / 24)).fma(r, r.broadcast(1.0 / 6)).fma(r, r.broadcast(0.5))
                .fma(r, r.broadcast(1.0)).fma(r, r.broadcast(1.0));
        LongVector kl = u.reinterpretAsLongs().sub(ROUND_D_BITS);
        return p.mul(kl.add(1023L).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles());
    }
}
