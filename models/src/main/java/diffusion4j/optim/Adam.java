package diffusion4j.optim;

import diffusion4j.autograd.Variable;
import diffusion4j.tensor.AdamUpdate;
import diffusion4j.tensor.Tensor;

import java.util.Map;

/**
 * Adam (Kingma and Ba 2015, Algorithm 1) with torch.optim.Adam's L2 weight decay folded into the
 * gradient. With t the 1-based step:
 * <pre>
 *   g  = grad + wd * w                                   (L2 penalty; AdamW decouples it instead)
 *   m  = b1 * m + (1 - b1) * g                           (Alg. 1: biased first moment)
 *   v  = b2 * v + (1 - b2) * g^2                         (Alg. 1: biased second raw moment)
 *   w  = w - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * The last line is Algorithm 1's m_hat / (sqrt(v_hat) + eps) with eps placed as PyTorch places it.
 */
public class Adam extends Optimizer {
    protected final double beta1, beta2, eps, weightDecay;
    private final boolean decoupled;

    public Adam(Map<String, Variable> params, LrSchedule lr, double beta1, double beta2, double eps, double weightDecay) {
        this(params, lr, beta1, beta2, eps, weightDecay, false);
    }

    /** Defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(Map<String, Variable> params, LrSchedule lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0);
    }

    Adam(Map<String, Variable> params, LrSchedule lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
        super(params, lr, "exp_avg", "exp_avg_sq");
        String kind = getClass().getSimpleName();
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException(kind + ": betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        }
        if (!(eps >= 0)) throw new IllegalArgumentException(kind + ": eps must be >= 0, got " + eps);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException(kind + ": weight decay must be >= 0, got " + weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    @Override protected final Tensor update(String name, Tensor w, Tensor g, double lr, long t) {
        // AdamW (Loshchilov and Hutter 2019, Algorithm 2, line 12): the decay acts on the weight,
        // outside the adaptive scaling; torch multiplies it by lr, which we follow. Adam's L2
        // instead enters the gradient (Algorithm 2, line 6). AdamUpdate spells out the arithmetic,
        // fused into one backend pass.
        AdamUpdate.Result r = AdamUpdate.of(beta1, beta2, eps, weightDecay, decoupled, lr, t)
                .apply(w, g, slot("exp_avg", name), slot("exp_avg_sq", name));
        setSlot("exp_avg", name, r.m());
        setSlot("exp_avg_sq", name, r.v());
        return r.w();
    }
}
