package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Tensor;

/**
 * Softmax or log-softmax along a dim, differentiated from the saved output y:
 * softmax: dx = y (g - sum(g y)); log-softmax: dx = g - exp(y) sum(g).
 */
public final class Softmax extends Function {
    private final int dim;
    private final boolean log;
    private Tensor y;

    private Softmax(int dim, boolean log) {
        this.dim = dim;
        this.log = log;
    }

    public static Variable apply(Variable x, int dim, boolean log) {
        Softmax f = new Softmax(dim, log);
        return f.record(f.forward(x.data()), x);
    }

    private Tensor forward(Tensor x) {
        return y = log ? x.logSoftmax(dim) : x.softmax(dim);
    }

    @Override protected Tensor[] backward(Tensor g) {
        if (log) return grads(g.sub(y.exp().mul(g.sum(dim, true))));
        return grads(y.mul(g.sub(g.mul(y).sum(dim, true))));
    }

    @Override protected String name() {
        return log ? "LogSoftmax" : "Softmax";
    }

    @Override protected void releaseSaved() {
        y = null;
    }
}
