package diffusion4j.nn;

import diffusion4j.autograd.Variable;

/** max(x, 0). */
public final class ReLU extends Layer {
    @Override public Variable forward(Variable x) {
        return x.relu();
    }
}
