package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Functional;
import diffusion4j.tensor.Tensor;

/** Group norm through the backend's fused kernels; backward reuses the saved mean and 1/std. */
public final class GroupNorm extends Function {
    private final int groups;
    private Tensor x, gamma;
    private Functional.Norm saved;

    private GroupNorm(int groups) {
        this.groups = groups;
    }

    /** @param x (N, C, *); gamma, beta (C) or null */
    public static Variable apply(Variable x, int groups, Variable gamma, Variable beta, float eps) {
        GroupNorm f = new GroupNorm(groups);
        return f.record(f.forward(x.data(), data(gamma), data(beta), eps), x, gamma, beta);
    }

    private Tensor forward(Tensor in, Tensor g, Tensor b, float eps) {
        x = in;
        gamma = g;
        saved = Functional.groupNorm(in, groups, g, b, eps);
        return saved.y();
    }

    @Override protected Tensor[] backward(Tensor g) {
        Functional.NormGrads d = Functional.groupNormBackward(g, x, saved.mean(), saved.rstd(), gamma, groups);
        return grads(d.dx(), d.dgamma(), d.dbeta());
    }

    static Tensor data(Variable v) {
        return v == null ? null : v.data();
    }

    @Override protected void releaseSaved() {
        x = gamma = null;
        saved = null;
    }
}
