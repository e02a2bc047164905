package diffusion4j.optim;

import diffusion4j.autograd.Variable;

import java.util.Map;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter 2019, "Decoupled Weight Decay
 * Regularization", Algorithm 2): each step first shrinks the weight, w = w * (1 - lr * wd)
 * (line 12's eta_t * lambda * theta, with torch's convention that the decay is scaled by lr), then
 * applies the Adam update of lines 6-12 to the unpenalized gradient. See {@link Adam} for the moments.
 */
public final class AdamW extends Adam {
    public AdamW(Map<String, Variable> params, LrSchedule lr, double beta1, double beta2, double eps, double weightDecay) {
        super(params, lr, beta1, beta2, eps, weightDecay, true);
    }

    /** torch.optim.AdamW's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public AdamW(Map<String, Variable> params, LrSchedule lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0.01);
    }
}
