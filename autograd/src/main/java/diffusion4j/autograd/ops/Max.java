package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.ReduceOp;
import diffusion4j.tensor.Tensor;

/**
 * Maximum over dims (empty: all). The gradient goes to the positions holding the maximum; when
 * several tie, they share it equally (torch.amax's rule, which keeps the gradient symmetric; torch.max
 * with a dim instead sends it all to the one index it returns). Max pooling inherits this rule.
 */
public final class Max extends Function {
    private final int[] dims;
    private final boolean keepdim;
    private Tensor x, keptMax;

    private Max(int[] dims, boolean keepdim) {
        this.dims = dims.clone();
        this.keepdim = keepdim;
    }

    public static Variable apply(Variable x, int[] dims, boolean keepdim) {
        Max f = new Max(dims, keepdim);
        return f.record(f.forward(x.data()), x);
    }

    private Tensor forward(Tensor in) {
        x = in;
        keptMax = in.reduce(ReduceOp.MAX, dims, true);
        return keepdim ? keptMax : keptMax.reshape(Shaping.reducedShape(in.shape(), dims, false));
    }

    @Override protected Tensor[] backward(Tensor g) {
        Tensor winners = x.eq(keptMax);
        Tensor share = winners.div(winners.sum(dims, true));
        return grads(share.mul(g.reshape(keptMax.shape())));
    }

    @Override protected void releaseSaved() {
        x = keptMax = null;
    }
}
