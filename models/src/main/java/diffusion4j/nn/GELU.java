package diffusion4j.nn;

import diffusion4j.autograd.Variable;

/**
 * Gaussian error linear unit (Hendrycks and Gimpel 2016): exact x * Phi(x), or its tanh
 * approximation (torch's approximate="tanh", used by GPT-2 style and some CLIP models).
 */
public final class GELU extends Layer {
    private final boolean tanh;

    public GELU(boolean tanhApproximation) {
        this.tanh = tanhApproximation;
    }

    public GELU() {
        this(false);
    }

    @Override public Variable forward(Variable x) {
        return tanh ? x.geluTanh() : x.gelu();
    }
}
