package diffusion4j.autograd;

import diffusion4j.tensor.Tensor;

/**
 * One recorded step of the graph: a differentiable op that ran, the variables it read, and what it
 * saved to compute its backward. Each op is one small subclass (in {@code diffusion4j.autograd.ops})
 * with its forward and backward side by side, both written with {@link Tensor} operations only, so
 * every backward rule runs on every backend.
 *
 * <p>A subclass computes its forward on tensors and hands the result to {@link #record}, which
 * makes the output {@link Variable} and links it to this function only when some input needs a
 * gradient and recording is enabled; otherwise nothing of the graph is kept.
 */
public abstract class Function {
    /** Inputs as read by forward (null entries for optional inputs); null once the graph is freed. */
    private Variable[] inputs;
    private boolean[] needs;
    private boolean freed;

    protected Function() {}

    /**
     * Gradients with respect to each input, given the gradient of the output.
     *
     * @param grad same shape as the output
     * @return one entry per input, shaped like that input; null where {@link #needsGrad} is false
     */
    protected abstract Tensor[] backward(Tensor grad);

    /** Whether input {@code i} needs a gradient: backward may skip the work (and return null) otherwise. */
    protected final boolean needsGrad(int i) {
        return needs[i];
    }

    /** The output of forward as a variable, recording this function when any input needs a gradient. */
    protected final Variable record(Tensor out, Variable... in) {
        boolean any = false;
        boolean[] n = new boolean[in.length];
        for (int i = 0; i < in.length; i++) {
            n[i] = in[i] != null && in[i].requiresGrad();
            any |= n[i];
        }
        if (!any || !Autograd.isGradEnabled()) return new Variable(out, false, null);
        inputs = in;
        needs = n;
        return new Variable(out, true, this);
    }

    protected static Tensor[] grads(Tensor... g) {
        return g;
    }

    /** Short name for messages: the op's class name. */
    protected String name() {
        return getClass().getSimpleName();
    }

    // ---- used by the graph walk -----------------------------------------------------------------

    /** The recorded inputs; throws a clear error when a previous backward freed them. */
    final Variable[] inputs() {
        if (freed) {
            throw new IllegalStateException("backward: trying to go through the graph a second time (at " + name()
                    + "), but it was freed by the first backward; pass retainGraph=true to the first call");
        }
        return inputs;
    }

    /**
     * Drops what this function saved for its backward (tensors, records of tensors): set those
     * fields to null. Called once, right after this function's backward ran in a backward that does
     * not retain the graph. Why: the graph walk keeps every visited function reachable until the
     * walk ends, so without this the activations saved by the forward would all stay alive through
     * the whole backward, and the peak memory of a training step would be all activations plus all
     * gradients instead of PyTorch's sliding window (saved tensors freed as their backward runs).
     */
    protected void releaseSaved() {}

    /** Drops the links to the inputs and the saved tensors, so the upstream graph and its tensors can be collected. */
    final void free() {
        freed = true;
        inputs = null;
        releaseSaved();
    }
}
