package diffusion4j.kernels.opencl;

import static diffusion4j.kernels.opencl.ClLaunch.storage;

import diffusion4j.tensor.AdamUpdate;
import diffusion4j.tensor.Backend.AdamOutput;
import diffusion4j.tensor.Tensor;

/** The fused Adam/AdamW update on {@code optim.cl}: one work-item per element. */
final class ClOptim {
    private ClOptim() {}

    /** @param w, g, m, v contiguous, same shape */
    static AdamOutput adam(ClRuntime rt, Tensor w, Tensor g, Tensor m, Tensor v, AdamUpdate u) {
        int n = w.numel();
        ClStorage w2 = rt.allocate(n), m2 = rt.allocate(n), v2 = rt.allocate(n);
        if (n > 0) {
            ClLaunch.perElement(rt, rt.kernel("optim.cl", "adam_step", ""), n,
                    storage(w), w.layout().offset(), storage(g), g.layout().offset(),
                    storage(m), m.layout().offset(), storage(v), v.layout().offset(),
                    u.beta1(), u.oneMinusBeta1(), u.beta2(), u.oneMinusBeta2(), u.eps(),
                    u.decoupled() ? 1 : 0, u.decayFactor(), u.hasL2() ? 1 : 0, u.l2(), u.sqrtBc2(), u.stepSize(), n,
                    w2, m2, v2);
        }
        return new AdamOutput(w2, m2, v2);
    }
}
