package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Tensor;

/** {@code cond != 0 ? a : b}; the gradient goes to whichever side was picked, summed back to its shape. */
public final class Where extends Function {
    private Tensor cond;
    private int[] aShape, bShape;

    public static Variable apply(Tensor cond, Variable a, Variable b) {
        Where f = new Where();
        return f.record(f.forward(cond, a.data(), b.data()), a, b);
    }

    private Tensor forward(Tensor c, Tensor a, Tensor b) {
        cond = c;
        aShape = a.shape();
        bShape = b.shape();
        return Tensor.where(c, a, b);
    }

    @Override protected Tensor[] backward(Tensor g) {
        Tensor zero = Tensor.scalar(g.device(), 0f);
        Tensor ga = needsGrad(0) ? Shaping.reduceTo(Tensor.where(cond, g, zero), aShape) : null;
        Tensor gb = needsGrad(1) ? Shaping.reduceTo(Tensor.where(cond, zero, g), bShape) : null;
        return grads(ga, gb);
    }

    @Override protected void releaseSaved() {
        cond = null;
    }
}
