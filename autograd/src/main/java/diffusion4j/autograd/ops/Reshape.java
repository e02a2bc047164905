package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Tensor;
import java.util.function.UnaryOperator;

/**
 * Any op that keeps the elements in row-major order and only changes the shape (reshape,
 * flatten, squeeze, unsqueeze, contiguous): the gradient is the incoming one in the input's shape.
 */
public final class Reshape extends Function {
    private int[] inShape;

    /** @param op a shape-only op on the tensor, such as {@code t -> t.reshape(2, -1)} */
    public static Variable apply(Variable x, UnaryOperator<Tensor> op) {
        Reshape f = new Reshape();
        return f.record(f.forward(x.data(), op), x);
    }

    private Tensor forward(Tensor x, UnaryOperator<Tensor> op) {
        inShape = x.shape();
        Tensor out = op.apply(x);
        if (out.numel() != x.numel()) throw new IllegalStateException("Reshape: op changed the element count");
        return out;
    }

    @Override protected Tensor[] backward(Tensor g) {
        return grads(g.reshape(inShape));
    }
}
