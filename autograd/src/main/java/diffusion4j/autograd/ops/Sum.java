package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Tensor;

/** Sum over dims (empty: all). Backward broadcasts the gradient back over the summed dims. */
public final class Sum extends Function {
    private final int[] dims;
    private final boolean keepdim;
    private int[] inShape, keptShape;

    private Sum(int[] dims, boolean keepdim) {
        this.dims = dims.clone();
        this.keepdim = keepdim;
    }

    public static Variable apply(Variable x, int[] dims, boolean keepdim) {
        Sum f = new Sum(dims, keepdim);
        return f.record(f.forward(x.data()), x);
    }

    private Tensor forward(Tensor x) {
        inShape = x.shape();
        keptShape = Shaping.reducedShape(inShape, dims, true);
        return x.sum(dims, keepdim);
    }

    @Override protected Tensor[] backward(Tensor g) {
        return grads(g.reshape(keptShape).expand(inShape));
    }
}
