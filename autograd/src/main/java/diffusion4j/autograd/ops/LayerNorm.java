package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Functional;
import diffusion4j.tensor.Tensor;

/** Layer norm over the last dims through the backend's fused kernels. */
public final class LayerNorm extends Function {
    private final int normDims;
    private Tensor x, gamma;
    private Functional.Norm saved;

    private LayerNorm(int normDims) {
        this.normDims = normDims;
    }

    /** @param gamma, beta shaped like x's last {@code normDims} dims, or null */
    public static Variable apply(Variable x, int normDims, Variable gamma, Variable beta, float eps) {
        LayerNorm f = new LayerNorm(normDims);
        return f.record(f.forward(x.data(), GroupNorm.data(gamma), GroupNorm.data(beta), eps), x, gamma, beta);
    }

    private Tensor forward(Tensor in, Tensor g, Tensor b, float eps) {
        x = in;
        gamma = g;
        saved = Functional.layerNorm(in, normDims, g, b, eps);
        return saved.y();
    }

    @Override protected Tensor[] backward(Tensor g) {
        Functional.NormGrads d = Functional.layerNormBackward(g, x, saved.mean(), saved.rstd(), gamma);
        return grads(d.dx(), d.dgamma(), d.dbeta());
    }

    @Override protected void releaseSaved() {
        x = gamma = null;
        saved = null;
    }
}
