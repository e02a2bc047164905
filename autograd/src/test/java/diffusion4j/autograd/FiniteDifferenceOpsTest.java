package diffusion4j.autograd;

import static diffusion4j.autograd.AgTesting.of;
import static diffusion4j.autograd.AgTesting.randn;
import static diffusion4j.autograd.AgTesting.spread;
import static diffusion4j.autograd.AgTesting.uniform;
import static diffusion4j.autograd.GradCheck.assertGradients;

import diffusion4j.autograd.ops.Binary;
import diffusion4j.tensor.BinaryOp;
import diffusion4j.tensor.Tensor;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Every differentiable op of {@link Variable} against central finite differences on the reference
 * backend, with odd shapes, broadcasting, and non-contiguous operands (transposed or sliced views
 * made inside the function, so the op's kernel reads strides while the gradient flows through the view).
 * Fused NN ops are in {@link FiniteDifferenceNNTest}.
 */
class FiniteDifferenceOpsTest {
    private final Random r = new Random(7);

    private void unary(UnaryOperator<Variable> f, Tensor x) {
        assertGradients(v -> f.apply(v[0]), x);
        // the same op on a transposed view of a (5, 3) tensor: strided input
        Tensor xt = of(x.transpose(0, 1).contiguous().toFloatArray(), x.dim(1), x.dim(0));
        assertGradients(v -> f.apply(v[0].transpose(0, 1)), xt);
    }

    @Test void smoothUnaries() {
        Tensor x = randn(r, 3, 5);
        for (UnaryOperator<Variable> f : List.<UnaryOperator<Variable>>of(Variable::neg, Variable::exp, Variable::square,
                Variable::sin, Variable::cos, Variable::tanh, Variable::sigmoid, Variable::silu, Variable::gelu,
                Variable::geluTanh, Variable::erf)) {
            unary(f, x);
        }
    }

    @Test void unariesOnPositiveInputs() {
        Tensor x = uniform(r, 0.3f, 2.5f, 3, 5);
        for (UnaryOperator<Variable> f : List.<UnaryOperator<Variable>>of(Variable::log, Variable::sqrt, Variable::rsqrt,
                Variable::reciprocal, v -> v.pow(2.5f), v -> v.pow(-1.5f))) {
            unary(f, x);
        }
    }

    @Test void unariesWithKinksAwayFromThem() {
        Tensor x = spread(r, 3, 5);
        for (UnaryOperator<Variable> f : List.<UnaryOperator<Variable>>of(Variable::abs, Variable::relu, v -> v.clamp(-0.27f, 0.33f))) {
            unary(f, x);
        }
    }

    @Test void scalarArithmetic() {
        unary(v -> v.add(1.5f).mul(-2f).sub(0.25f).div(3f), randn(r, 3, 5));
    }

    @Test void broadcastingBinaries() {
        Tensor a = randn(r, 2, 3, 1), b = randn(r, 3, 4), pos = uniform(r, 0.5f, 2f, 3, 4);
        assertGradients(v -> v[0].add(v[1]), a, b);
        assertGradients(v -> v[0].sub(v[1]), a, b);
        assertGradients(v -> v[0].mul(v[1]), a, b);
        assertGradients(v -> v[0].div(v[1]), a, pos);
        assertGradients(v -> v[0].pow(v[1]), uniform(r, 0.5f, 2f, 3, 1), b);
        // non-contiguous right operand: (4, 3) transposed
        assertGradients(v -> v[0].mul(v[1].t()), a, randn(r, 4, 3));
    }

    /**
     * The fused backward primitives are ops too: their own derivatives (second derivatives of silu,
     * sigmoid, tanh) against finite differences, with b a plausible input or output of each.
     */
    @Test void backwardPrimitives() {
        Tensor g = randn(r, 3, 5), x = randn(r, 3, 5), y = uniform(r, 0.05f, 0.95f, 3, 5), t = uniform(r, -0.9f, 0.9f, 3, 5);
        assertGradients(v -> Binary.apply(BinaryOp.SILU_BACKWARD, v[0], v[1]), g, x);
        assertGradients(v -> Binary.apply(BinaryOp.SIGMOID_BACKWARD, v[0], v[1]), g, y);
        assertGradients(v -> Binary.apply(BinaryOp.TANH_BACKWARD, v[0], v[1]), g, t);
    }

    @Test void maximumAndMinimumAwayFromTies() {
        Tensor ab = spread(r, 2, 3, 4);
        assertGradients(v -> v[0].select(0, 0).maximum(v[0].select(0, 1)), ab);
        assertGradients(v -> v[0].select(0, 0).minimum(v[0].select(0, 1).narrow(0, 1, 1)), ab); // broadcast (1, 4)
    }

    @Test void matmulShapes() {
        assertGradients(v -> v[0].matmul(v[1]), randn(r, 3, 4), randn(r, 4, 5));
        assertGradients(v -> v[0].matmul(v[1]), randn(r, 2, 1, 3, 4), randn(r, 3, 4, 2));
        assertGradients(v -> v[0].matmul(v[1]), randn(r, 4), randn(r, 2, 4, 3));
        assertGradients(v -> v[0].matmul(v[1]), randn(r, 3, 4), randn(r, 4));
        assertGradients(v -> v[0].matmul(v[1]), randn(r, 5), randn(r, 5));
        assertGradients(v -> v[0].t().matmul(v[1].transpose(0, 1)), randn(r, 4, 3), randn(r, 5, 4)); // strided operands
    }

    @Test void reductions() {
        Tensor x = randn(r, 3, 4, 5);
        assertGradients(v -> v[0].sum(), x);
        assertGradients(v -> v[0].sum(new int[] {0, 2}, true), x);
        assertGradients(v -> v[0].sum(-1, false), x);
        assertGradients(v -> v[0].mean(), x);
        assertGradients(v -> v[0].mean(new int[] {1}, false), x);
        assertGradients(v -> v[0].var(new int[] {1}, false, 1), x);
        assertGradients(v -> v[0].var(new int[] {0, 2}, true, 0), x);
        assertGradients(v -> v[0].permute(2, 0, 1).sum(1, false), x);
    }

    @Test void maxReductionsAwayFromTies() {
        Tensor x = spread(r, 3, 4, 5);
        assertGradients(v -> v[0].max(1, false), x);
        assertGradients(v -> v[0].max(-1, true), x);
        assertGradients(v -> v[0].max(), x);
        assertGradients(v -> v[0].transpose(0, 2).max(0, false), x);
    }

    @Test void softmaxes() {
        Tensor x = randn(r, 3, 4, 5);
        assertGradients(v -> v[0].softmax(-1), x);
        assertGradients(v -> v[0].softmax(1), x);
        assertGradients(v -> v[0].logSoftmax(0), x);
        assertGradients(v -> v[0].transpose(0, 2).logSoftmax(-1), x);
    }

    @Test void views() {
        Tensor x = randn(r, 3, 4, 5);
        assertGradients(v -> v[0].reshape(6, -1).mul(v[0].reshape(6, 10)), x);
        assertGradients(v -> v[0].permute(2, 0, 1).square(), x);
        assertGradients(v -> v[0].transpose(0, 1).flatten(0, 1).exp(), x);
        assertGradients(v -> v[0].narrow(1, 1, 2).slice(2, 1, 5, 3).square(), x);
        assertGradients(v -> v[0].slice(0, 0, 3, 2).slice(2, 0, 4, 2).exp(), x);
        assertGradients(v -> v[0].select(2, 3).unsqueeze(0).expand(2, 3, 4).square(), x);
        assertGradients(v -> v[0].narrow(0, 1, 1).squeeze(0).contiguous().sin(), x);
        assertGradients(v -> v[0].pad(new int[] {1, 2, 0, 1}, 0.5f).square(), x);
    }

    @Test void joins() {
        Tensor x = randn(r, 3, 4, 5), y = randn(r, 3, 2, 5);
        assertGradients(v -> Variable.concat(1, List.of(v[1], v[0], v[1].mul(2f))).square(), x, y);
        assertGradients(v -> Variable.stack(1, List.of(v[0].select(1, 0), v[1].select(1, 1).exp())), x, y);
        assertGradients(v -> v[0].split(2, 2).get(2).mul(v[0].chunk(3, 2).get(0).narrow(2, 0, 1)), x);
        assertGradients(v -> Variable.concat(-1, v[0].chunk(2, 1)).sin(), x);
    }

    @Test void where() {
        Tensor cond = of(new float[] {1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1}, 3, 4);
        assertGradients(v -> Variable.where(cond, v[0], v[1]), randn(r, 3, 4), randn(r, 4));
        assertGradients(v -> Variable.where(cond, v[0].t(), v[1].exp()), randn(r, 4, 3), randn(r, 3, 1));
    }
}
