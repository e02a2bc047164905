package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.BinaryOp;
import diffusion4j.tensor.Tensor;

/**
 * Every differentiable elementwise binary op, with NumPy broadcasting. Backward computes each
 * input's partial derivative at the broadcast shape, then sums it back to that input's shape.
 * Comparisons are not differentiable and fail loudly (use them on tensors, as masks).
 */
public final class Binary extends Function {
    private final BinaryOp op;
    /** Saved only where the op's derivative reads them (add and sub need shapes alone). */
    private Tensor a, b, out;
    private int[] aShape, bShape, outShape;

    private Binary(BinaryOp op) {
        this.op = op;
    }

    public static Variable apply(BinaryOp op, Variable a, Variable b) {
        Binary f = new Binary(op);
        if (!differentiable(op)) throw f.notDifferentiable();
        return f.record(f.forward(a.data(), b.data()), a, b);
    }

    private Tensor forward(Tensor x, Tensor y) {
        Tensor result = x.apply(op, y);
        aShape = x.shape();
        bShape = y.shape();
        outShape = result.shape();
        switch (op) {
            case ADD, SUB -> { }
            case MUL, MAXIMUM, MINIMUM -> {
                a = x;
                b = y;
            }
            case DIV -> {
                b = y;
                out = result;
            }
            case POW -> {
                a = x;
                b = y;
                out = result;
            }
            case SILU_BACKWARD, SIGMOID_BACKWARD, TANH_BACKWARD -> {
                a = x;
                b = y;
            }
            case EQ, NE, LT, LE, GT, GE -> throw notDifferentiable();
        }
        return result;
    }

    @Override protected Tensor[] backward(Tensor g) {
        Tensor ga = needsGrad(0) ? Shaping.reduceTo(partialA(g), aShape) : null;
        Tensor gb = needsGrad(1) ? Shaping.reduceTo(partialB(g), bShape) : null;
        return grads(ga, gb);
    }

    /** g * d op / d a, at the broadcast shape. */
    private Tensor partialA(Tensor g) {
        return switch (op) {
            case ADD, SUB -> g.broadcastTo(outShape);
            case MUL -> g.mul(b);
            case DIV -> g.div(b);
            case POW -> g.mul(b).mul(a.pow(b.sub(1f)));
            // ties share the gradient equally, as torch.maximum / torch.minimum
            case MAXIMUM -> g.mul(share(a.gt(b), a.eq(b)));
            case MINIMUM -> g.mul(share(a.lt(b), a.eq(b)));
            // linear in a: the derivative is the op with a = 1
            case SILU_BACKWARD, SIGMOID_BACKWARD, TANH_BACKWARD -> g.apply(op, b);
            case EQ, NE, LT, LE, GT, GE -> throw notDifferentiable();
        };
    }

    /** g * d op / d b, at the broadcast shape. */
    private Tensor partialB(Tensor g) {
        return switch (op) {
            case ADD -> g.broadcastTo(outShape);
            case SUB -> g.neg().broadcastTo(outShape);
            case MUL -> g.mul(a);
            case DIV -> g.mul(out).div(b).neg(); // -g a / b^2
            case POW -> g.mul(out).mul(a.log());
            case MAXIMUM -> g.mul(share(b.gt(a), a.eq(b)));
            case MINIMUM -> g.mul(share(b.lt(a), a.eq(b)));
            case SILU_BACKWARD -> { // a silu''(b) = a s (1 - s) (2 + b (1 - 2 s))
                Tensor s = b.sigmoid();
                yield g.mul(a).mul(s.mul(s.neg().add(1f))).mul(b.mul(s.mul(-2f).add(1f)).add(2f));
            }
            case SIGMOID_BACKWARD -> g.mul(a).mul(b.mul(-2f).add(1f)); // a (1 - 2 b)
            case TANH_BACKWARD -> g.mul(a).mul(b).mul(-2f); // -2 a b
            case EQ, NE, LT, LE, GT, GE -> throw notDifferentiable();
        };
    }

    private static boolean differentiable(BinaryOp op) {
        return switch (op) {
            case ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, SILU_BACKWARD, SIGMOID_BACKWARD, TANH_BACKWARD -> true;
            case EQ, NE, LT, LE, GT, GE -> false;
        };
    }

    private static Tensor share(Tensor wins, Tensor ties) {
        return wins.add(ties.mul(0.5f));
    }

    private IllegalArgumentException notDifferentiable() {
        return new IllegalArgumentException(op.name().toLowerCase() + " is not differentiable; compare the tensors (data()) instead");
    }

    @Override protected String name() {
        return "Binary(" + op.name().toLowerCase() + ")";
    }

    @Override protected void releaseSaved() {
        a = b = out = null;
    }
}
