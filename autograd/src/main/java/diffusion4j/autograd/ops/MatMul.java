package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Tensor;

/**
 * torch.matmul. With 1-D operands promoted to matrices, dA = dY B^T and dB = A^T dY, each summed
 * over the batch dims its operand was broadcast along, then reshaped back (undoing the promotion).
 */
public final class MatMul extends Function {
    private Tensor a, b;

    public static Variable apply(Variable a, Variable b) {
        MatMul f = new MatMul();
        return f.record(f.forward(a.data(), b.data()), a, b);
    }

    private Tensor forward(Tensor x, Tensor y) {
        a = x;
        b = y;
        return x.matmul(y);
    }

    @Override protected Tensor[] backward(Tensor g) {
        Tensor a2 = a.rank() == 1 ? a.unsqueeze(0) : a;
        Tensor b2 = b.rank() == 1 ? b.unsqueeze(1) : b;
        // Put back the dims that promotion removed from the output.
        Tensor g2 = a.rank() == 1 ? g.unsqueeze(b.rank() == 1 ? g.rank() : g.rank() - 1) : g;
        if (b.rank() == 1) g2 = g2.unsqueeze(g2.rank());
        Tensor ga = needsGrad(0) ? Shaping.reduceTo(g2.matmul(b2.transpose(-1, -2)), a2.shape()).reshape(a.shape()) : null;
        Tensor gb = needsGrad(1) ? Shaping.reduceTo(a2.transpose(-1, -2).matmul(g2), b2.shape()).reshape(b.shape()) : null;
        return grads(ga, gb);
    }

    @Override protected void releaseSaved() {
        a = b = null;
    }
}
