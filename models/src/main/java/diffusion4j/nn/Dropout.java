package diffusion4j.nn;

import diffusion4j.autograd.NN;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Generator;

/**
 * Inverted dropout (Srivastava et al. 2014): in training, zeroes each element with probability p
 * and scales the rest by 1/(1-p); in eval mode, the identity. Masks come from {@code gen}.
 */
public final class Dropout extends Layer {
    private final float p;
    private final Generator gen;

    public Dropout(float p, Generator gen) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        this.p = p;
        this.gen = gen;
    }

    @Override public Variable forward(Variable x) {
        return NN.dropout(x, p, gen, isTraining());
    }
}
