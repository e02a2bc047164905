package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Functional;
import diffusion4j.tensor.Tensor;

/**
 * conv2d with stride, padding, dilation and groups. Backward uses the backend's two fused
 * kernels (input and weight gradients); the bias gradient sums over batch and space.
 */
public final class Conv2d extends Function {
    private final ConvParams p;
    private Tensor x, w;

    private Conv2d(ConvParams p) {
        this.p = p;
    }

    /**
     * @param x (N, C, H, W); w (O, C/groups, kH, kW); bias (O) or null
     * @return (N, O, outH, outW)
     */
    public static Variable apply(Variable x, Variable w, Variable bias, ConvParams p) {
        Conv2d f = new Conv2d(p);
        return f.record(f.forward(x.data(), w.data(), bias == null ? null : bias.data()), x, w, bias);
    }

    private Tensor forward(Tensor in, Tensor weight, Tensor bias) {
        x = in;
        w = weight;
        return Functional.conv2d(in, weight, bias, p);
    }

    @Override protected Tensor[] backward(Tensor g) {
        return grads(needsGrad(0) ? Functional.conv2dBackwardInput(g, w, x.shape(), p) : null,
                needsGrad(1) ? Functional.conv2dBackwardWeight(x, g, w.shape(), p) : null,
                needsGrad(2) ? g.sum(new int[] {0, 2, 3}, false) : null);
    }

    @Override protected void releaseSaved() {
        x = w = null;
    }
}
