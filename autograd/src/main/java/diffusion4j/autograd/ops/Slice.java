package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;

/**
 * Every {@code step}-th element of {@code [start, end)} along a dim (narrow and select too).
 * Backward places the gradient back at those positions and zero elsewhere, with padding only:
 * each gradient row gets {@code step - 1} zero rows after it, and the result is padded to the input.
 */
public final class Slice extends Function {
    private final int start, end, step;
    private int dim;
    private int[] inShape;

    private Slice(int start, int end, int step) {
        this.start = start;
        this.end = end;
        this.step = step;
    }

    public static Variable apply(Variable x, int dim, int start, int end, int step) {
        Slice f = new Slice(start, end, step);
        return f.record(f.forward(x.data(), dim), x);
    }

    private Tensor forward(Tensor x, int d) {
        Tensor out = x.slice(d, start, end, step);
        dim = Shapes.dim(d, x.rank(), "slice");
        inShape = x.shape();
        return out;
    }

    @Override protected Tensor[] backward(Tensor g) {
        int m = g.dim(dim), size = inShape[dim];
        Tensor spread = g;
        if (step > 1 && m > 0) { // (.., m, ..) -> (.., m, step, ..) zero-filled after each row -> (.., m*step, ..)
            int[] s = g.shape();
            s[dim] = m * step;
            spread = Shaping.padDim(g.unsqueeze(dim + 1), dim + 1, 0, step - 1).reshape(s);
            spread = spread.narrow(dim, 0, Math.min(m * step, size - start));
        }
        return grads(Shaping.padDim(spread, dim, start, size - start - spread.dim(dim)));
    }
}
