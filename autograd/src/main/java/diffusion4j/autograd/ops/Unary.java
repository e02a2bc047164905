package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.BinaryOp;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.UnaryOp;

/**
 * Every elementwise unary op: forward is the backend primitive, backward multiplies the incoming
 * gradient by the derivative, which the exhaustive switch below spells out for each row of
 * {@link UnaryOp} (a new row fails to compile here until it has a derivative).
 */
public final class Unary extends Function {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
    private static final double GELU_C = 0.044715;

    private final UnaryOp op;
    private Tensor x, out;

    private Unary(UnaryOp op) {
        this.op = op;
    }

    public static Variable apply(UnaryOp op, Variable x) {
        Unary f = new Unary(op);
        return f.record(f.forward(x.data()), x);
    }

    private Tensor forward(Tensor in) {
        x = in;
        return out = in.apply(op);
    }

    @Override protected Tensor[] backward(Tensor g) {
        return grads(switch (op) {
            // one fused pass each instead of a derivative tensor built from several ops, then a product
            case SILU -> g.apply(BinaryOp.SILU_BACKWARD, x);
            case SIGMOID -> g.apply(BinaryOp.SIGMOID_BACKWARD, out);
            case TANH -> g.apply(BinaryOp.TANH_BACKWARD, out);
            default -> g.mul(derivative());
        });
    }

    /**
     * d op(x) / dx, elementwise, reusing the saved output where that is cheaper; for the ops without
     * a fused backward primitive in {@link BinaryOp}.
     */
    private Tensor derivative() {
        return switch (op) {
            case NEG -> Tensor.full(x.device(), -1f, x.shape());
            case ABS -> x.sign(); // abs'(0) = sign(0) = 0, as torch
            case SIGN -> Tensor.zeros(x.device(), x.shape());
            case EXP -> out;
            case LOG -> x.reciprocal();
            case SQRT -> out.mul(2f).reciprocal();
            case RSQRT -> out.mul(out).mul(out).mul(-0.5f); // d x^-1/2 = -1/2 x^-3/2
            case SQUARE -> x.mul(2f);
            case RECIPROCAL -> out.square().neg();
            case SIN -> x.cos();
            case COS -> x.sin().neg();
            case RELU -> x.gt(0f); // relu'(0) = 0, as torch
            case SILU, SIGMOID, TANH -> throw new AssertionError(op + " has a fused backward; derivative() is not used");
            case GELU_ERF -> { // Phi(x) + x phi(x)
                Tensor cdf = x.mul((float) (1 / Math.sqrt(2))).erf().add(1f).mul(0.5f);
                Tensor pdf = x.square().mul(-0.5f).exp().mul((float) INV_SQRT_2PI);
                yield cdf.add(x.mul(pdf));
            }
            case GELU_TANH -> { // 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3c x^2), t = tanh(sqrt(2/pi) (x + c x^3))
                Tensor x2 = x.square();
                Tensor t = x.mul(x2.mul((float) GELU_C).add(1f)).mul((float) SQRT_2_OVER_PI).tanh();
                Tensor du = x2.mul((float) (3 * GELU_C)).add(1f).mul((float) SQRT_2_OVER_PI);
                yield t.add(1f).mul(0.5f).add(x.mul(0.5f).mul(t.square().neg().add(1f)).mul(du));
            }
            case ERF -> x.square().neg().exp().mul((float) (2 / Math.sqrt(Math.PI)));
        };
    }

    @Override protected String name() {
        return "Unary(" + op.name().toLowerCase() + ")";
    }

    @Override protected void releaseSaved() {
        x = out = null;
    }
}
