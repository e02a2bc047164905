package diffusion4j.tensor;

import java.util.Arrays;

/**
 * One fused Adam or AdamW update of a parameter (Kingma and Ba 2015, Algorithm 1; Loshchilov and
 * Hutter 2019, Algorithm 2) as a single backend pass: the dozen elementwise ops it replaces each
 * read and wrote a full-size temporary, which made the optimizer about a tenth of a UNet training
 * step. Per element, in float and in this order (the op sequence it replaces, so results match it):
 * <pre>
 *   w1 = w * decayFactor          (AdamW: decayFactor = 1 - lr wd; skipped when there is no decay)
 *   g1 = g + w * l2               (Adam's L2 penalty: l2 = wd; skipped when there is none)
 *   m' = m * beta1 + g1 * (1 - beta1)
 *   v' = v * beta2 + g1^2 * (1 - beta2)
 *   w' = w1 - m' / (sqrt(v') / sqrtBc2 + eps) * stepSize
 * </pre>
 * with sqrtBc2 = sqrt(1 - beta2^t) and stepSize = lr / (1 - beta1^t), each constant rounded to float once.
 *
 * @param decayFactor multiplies w first when {@code decoupled}
 * @param l2 added to the gradient times w when not {@code decoupled}
 */
public record AdamUpdate(float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float eps,
                         boolean decoupled, float decayFactor, float l2, float sqrtBc2, float stepSize) {

    /** The updated weight and the two moments. */
    public record Result(Tensor w, Tensor m, Tensor v) {}

    /**
     * The constants of step {@code t} (1-based).
     *
     * @param decoupled AdamW's decay of the weight (scaled by lr, as torch), else Adam's L2 in the gradient
     */
    public static AdamUpdate of(double beta1, double beta2, double eps, double weightDecay, boolean decoupled, double lr, long t) {
        if (t < 1) throw new IllegalArgumentException("adam: step must be >= 1, got " + t);
        double bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
        boolean decay = weightDecay != 0;
        return new AdamUpdate((float) beta1, (float) (1 - beta1), (float) beta2, (float) (1 - beta2), (float) eps,
                decoupled && decay, decoupled && decay ? (float) (1 - lr * weightDecay) : 1f,
                !decoupled && decay ? (float) weightDecay : 0f, (float) Math.sqrt(bc2), (float) (lr / bc1));
    }

    /** Whether the gradient gets Adam's L2 term. */
    public boolean hasL2() {
        return !decoupled && l2 != 0;
    }

    /**
     * Applies the update.
     *
     * @param w the weight; g its gradient (same shape)
     * @param m, v the moments (same shape), or null before the first update (zeros)
     */
    public Result apply(Tensor w, Tensor g, Tensor m, Tensor v) {
        int[] shape = w.shape();
        check("gradient", g, w);
        if (m != null) check("first moment", m, w);
        if (v != null) check("second moment", v, w);
        Backend b = w.backend();
        Tensor m0 = m != null ? m.contiguous() : Tensor.zeros(w.device(), shape);
        Tensor v0 = v != null ? v.contiguous() : Tensor.zeros(w.device(), shape);
        Backend.AdamOutput o = b.adam(w.contiguous(), g.contiguous(), m0, v0, this);
        return new Result(Tensor.wrap(o.w(), shape, b), Tensor.wrap(o.m(), shape, b), Tensor.wrap(o.v(), shape, b));
    }

    private static void check(String what, Tensor t, Tensor w) {
        if (!Arrays.equals(t.shape(), w.shape())) {
            throw new IllegalArgumentException("adam: " + what + " of shape " + Shapes.format(t.shape()) + " for a weight of shape "
                    + Shapes.format(w.shape()));
        }
        if (!t.device().equals(w.device())) {
            throw new IllegalArgumentException("adam: " + what + " on " + t.device() + " for a weight on " + w.device());
        }
    }
}
