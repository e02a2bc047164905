package diffusion4j.optim;

import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Tensor;

import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay, with
 * torch.optim.SGD's update (dampening 0):
 * <pre>
 *   g = grad + wd * w
 *   b = g                      (first step)      b = mu * b + g   (later)
 *   d = g + mu * b             (Nesterov, Sutskever et al. 2013 eq. 3-4 rewritten on w)   d = b (otherwise)
 *   w = w - lr * d
 * </pre>
 */
public final class SGD extends Optimizer {
    private final double momentum, weightDecay;
    private final boolean nesterov;

    public SGD(Map<String, Variable> params, LrSchedule lr, double momentum, boolean nesterov, double weightDecay) {
        super(params, lr, "momentum_buffer");
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("SGD: momentum must be in [0, 1), got " + momentum);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("SGD: weight decay must be >= 0, got " + weightDecay);
        if (nesterov && momentum == 0) throw new IllegalArgumentException("SGD: Nesterov momentum needs momentum > 0");
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
    }

    /** Plain SGD at a constant rate. */
    public SGD(Map<String, Variable> params, double lr) {
        this(params, LrSchedule.constant(lr), 0, false, 0);
    }

    @Override protected Tensor update(String name, Tensor w, Tensor g, double lr, long t) {
        if (weightDecay != 0) g = g.add(w.mul((float) weightDecay));
        Tensor d = g;
        if (momentum != 0) {
            Tensor b = slot("momentum_buffer", name);
            b = b == null ? g : b.mul((float) momentum).add(g);
            setSlot("momentum_buffer", name, b);
            d = nesterov ? g.add(b.mul((float) momentum)) : b;
        }
        return w.sub(d.mul((float) lr));
    }
}
