package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;

/** Reorders dims (transpose, t); the gradient goes through the inverse permutation. */
public final class Permute extends Function {
    private int[] order;

    public static Variable apply(Variable x, int[] order) {
        Permute f = new Permute();
        return f.record(f.forward(x.data(), order), x);
    }

    private Tensor forward(Tensor x, int[] dims) {
        Tensor out = x.permute(dims);
        order = new int[dims.length];
        for (int i = 0; i < dims.length; i++) order[i] = Shapes.dim(dims[i], x.rank(), "permute");
        return out;
    }

    @Override protected Tensor[] backward(Tensor g) {
        return grads(g.permute(Shaping.inverse(order)));
    }
}
