package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Tensor;

/** Constant padding (pairs from the last dim); the gradient is the un-padded window of the incoming one. */
public final class Pad extends Function {
    private int[] pads, inShape;

    public static Variable apply(Variable x, int[] pads, float value) {
        Pad f = new Pad();
        return f.record(f.forward(x.data(), pads, value), x);
    }

    private Tensor forward(Tensor x, int[] p, float value) {
        pads = p.clone();
        inShape = x.shape();
        return x.pad(p, value);
    }

    @Override protected Tensor[] backward(Tensor g) {
        Tensor r = g;
        for (int p = 0; p < pads.length / 2; p++) {
            int d = inShape.length - 1 - p;
            r = r.narrow(d, pads[2 * p], inShape[d]);
        }
        return grads(r);
    }
}
