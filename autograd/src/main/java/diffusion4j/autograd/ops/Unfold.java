package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Functional;
import diffusion4j.tensor.Tensor;

/**
 * Sliding k x k windows (im2col), the base of pooling: (N, C, H, W) to (N, C, k*k, outH, outW).
 * Its adjoint, fold, sums every window's gradient back into the input (overlapping windows add;
 * padding positions drop out).
 */
public final class Unfold extends Function {
    private final int k;
    private final ConvParams p;
    private int[] inShape;

    private Unfold(int k, ConvParams p) {
        this.k = k;
        this.p = p;
    }

    public static Variable apply(Variable x, int k, ConvParams p, float padValue) {
        Unfold f = new Unfold(k, p);
        return f.record(f.forward(x.data(), padValue), x);
    }

    private Tensor forward(Tensor x, float padValue) {
        inShape = x.shape();
        return Functional.unfold(x, k, k, p, padValue);
    }

    @Override protected Tensor[] backward(Tensor g) {
        return grads(Functional.fold(g, inShape, k, k, p));
    }
}
