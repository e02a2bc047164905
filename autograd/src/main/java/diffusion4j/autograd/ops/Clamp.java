package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Tensor;

/** Clamp to [min, max]; the gradient passes where min <= x <= max, bounds included (torch.clamp). */
public final class Clamp extends Function {
    private final float min, max;
    private Tensor x;

    private Clamp(float min, float max) {
        this.min = min;
        this.max = max;
    }

    public static Variable apply(Variable x, float min, float max) {
        Clamp f = new Clamp(min, max);
        return f.record(f.forward(x.data()), x);
    }

    private Tensor forward(Tensor in) {
        x = in;
        return in.clamp(min, max);
    }

    @Override protected Tensor[] backward(Tensor g) {
        return grads(g.mul(x.ge(min).mul(x.le(max))));
    }

    @Override protected void releaseSaved() {
        x = null;
    }
}
