package diffusion4j.optim;

import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Tensor;

/** Gradient clipping by global norm (Pascanu et al. 2013, Algorithm 2), as torch's clip_grad_norm_. */
public final class GradClip {
    private GradClip() {}

    /**
     * Scales every gradient by min(1, maxNorm / (norm + 1e-6)), where norm is the L2 norm of all
     * gradients together. Parameters without a gradient are ignored. When the norm is not finite
     * the gradients are left alone: scaling would only turn them into NaN; the caller sees the norm.
     *
     * @return the total norm before clipping
     */
    public static double clipGradNorm(Iterable<Variable> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("clipGradNorm: maxNorm must be > 0, got " + maxNorm);
        double sq = 0;
        for (Variable p : params) {
            Tensor g = p.grad();
            if (g != null) sq += g.square().sum().item();
        }
        double norm = Math.sqrt(sq);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1 && Double.isFinite(norm)) {
            for (Variable p : params) {
                if (p.grad() != null) p.setGrad(p.grad().mul((float) coef));
            }
        }
        return norm;
    }
}
