package diffusion4j.nn;

import diffusion4j.autograd.Variable;

/** Merges every dim after the first: (N, d1, d2, ...) to (N, d1*d2*...), as torch.nn.Flatten(). */
public final class Flatten extends Layer {
    @Override public Variable forward(Variable x) {
        return x.rank() <= 2 ? x : x.flatten(1, x.rank() - 1);
    }
}
