package diffusion4j.nn;

import diffusion4j.autograd.Variable;

/** A module with one input and one output, the kind {@link Sequential} can chain. */
public abstract class Layer extends Module {
    public abstract Variable forward(Variable x);
}
