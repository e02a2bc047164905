package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Tensor;

/** torch.gather along a dim (embedding lookups, picking target log-probabilities); backward is scatter-add. */
public final class Gather extends Function {
    private final int dim;
    private Tensor index;
    private int[] inShape;

    private Gather(int dim) {
        this.dim = dim;
    }

    /** @param index integral FLOAT32 values, same rank as x */
    public static Variable apply(Variable x, int dim, Tensor index) {
        Gather f = new Gather(dim);
        return f.record(f.forward(x.data(), index), x);
    }

    private Tensor forward(Tensor x, Tensor idx) {
        index = idx;
        inShape = x.shape();
        return x.gather(dim, idx);
    }

    @Override protected Tensor[] backward(Tensor g) {
        return grads(Tensor.scatterAdd(inShape, dim, index, g));
    }

    @Override protected void releaseSaved() {
        index = null;
    }
}
