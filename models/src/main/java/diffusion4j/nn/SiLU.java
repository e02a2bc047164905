package diffusion4j.nn;

import diffusion4j.autograd.Variable;

/** x * sigmoid(x) (Elfwing et al. 2018; "swish"), the activation of diffusion UNets. */
public final class SiLU extends Layer {
    @Override public Variable forward(Variable x) {
        return x.silu();
    }
}
