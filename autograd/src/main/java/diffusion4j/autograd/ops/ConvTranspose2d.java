package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Functional;
import diffusion4j.tensor.Tensor;

/**
 * Transposed convolution y = C_w^T x, where C_w is conv2d with weight w (Cin, Cout/groups, kH, kW)
 * read as mapping Cout channels to Cin. Being the adjoint, its backward is the conv itself:
 * dx = C_w dy, and dw comes from conv2d's weight-gradient kernel with the roles of x and dy swapped.
 * Output padding can make dy larger than what C_w maps onto x's size: the extra rows and columns
 * (never touched by the forward) are cropped from dx, and x is zero-padded for dw.
 */
public final class ConvTranspose2d extends Function {
    private final ConvParams p;
    private final int outputPadding;
    private Tensor x, w;

    private ConvTranspose2d(ConvParams p, int outputPadding) {
        this.p = p;
        this.outputPadding = outputPadding;
    }

    /**
     * @param x (N, Cin, H, W); w (Cin, Cout/groups, kH, kW); bias (Cout) or null
     * @return (N, Cout, (H-1)*stride - 2*pad + dil*(kH-1) + outputPadding + 1, ...)
     */
    public static Variable apply(Variable x, Variable w, Variable bias, ConvParams p, int outputPadding) {
        ConvTranspose2d f = new ConvTranspose2d(p, outputPadding);
        return f.record(f.forward(x.data(), w.data(), bias == null ? null : bias.data()), x, w, bias);
    }

    private Tensor forward(Tensor in, Tensor weight, Tensor bias) {
        x = in;
        w = weight;
        return Functional.convTranspose2d(in, weight, bias, p, outputPadding);
    }

    @Override protected Tensor[] backward(Tensor g) {
        Tensor dx = null, dw = null;
        if (needsGrad(0)) {
            Tensor c = Functional.conv2d(g, w, null, p);
            dx = c.narrow(2, 0, x.dim(2)).narrow(3, 0, x.dim(3));
        }
        if (needsGrad(1)) {
            int[] full = Functional.convOutputShape(g.shape(), w.shape(), null, p);
            Tensor xp = Shaping.padDim(Shaping.padDim(x, 2, 0, full[2] - x.dim(2)), 3, 0, full[3] - x.dim(3));
            dw = Functional.conv2dBackwardWeight(g, xp, w.shape(), p);
        }
        return grads(dx, dw, needsGrad(2) ? g.sum(new int[] {0, 2, 3}, false) : null);
    }

    @Override protected void releaseSaved() {
        x = w = null;
    }
}
