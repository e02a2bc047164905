package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Tensor;

/** Broadcast view to a larger shape; the gradient sums over the broadcast dims. */
public final class Expand extends Function {
    private int[] inShape;

    public static Variable apply(Variable x, int[] shape) {
        Expand f = new Expand();
        return f.record(f.forward(x.data(), shape), x);
    }

    private Tensor forward(Tensor x, int[] shape) {
        inShape = x.shape();
        return x.expand(shape);
    }

    @Override protected Tensor[] backward(Tensor g) {
        return grads(Shaping.reduceTo(g, inShape));
    }
}
