package diffusion4j.autograd;

import diffusion4j.tensor.Tensor;

/**
 * One recorded step of the graph: a differentiable op that ran, where the gradient of each input
 * goes, and what it saved to compute its backward. Each op is one small subclass (in {@code diffusion4j.autograd.ops})
 * with its forward and backward side by side, both written with {@link Tensor} operations only, so
 * every backward rule runs on every backend.
 *
 * <p>A subclass computes its forward on tensors and hands the result to {@link #record}, which
 * makes the output {@link Variable} and links it to this function only when some input needs a
 * gradient and recording is enabled; otherwise nothing of the graph is kept.
 *
 * <p>Like PyTorch's grad_fn, a function does not hold its input variables, only where their
 * gradients go: the function that made each input, or the input itself when it is a leaf (a
 * parameter, alive anyway). An intermediate activation therefore lives only as long as the user's
 * code or some function's saved tensors hold it, not for the graph's lifetime.
 */
public abstract class Function {
    /** Per input: the function that made it, when it needs a gradient and is not a leaf; null once freed. */
    private Function[] creators;
    /** Per input: the input itself, when it is a leaf that needs a gradient; null once freed. */
    private Variable[] leaves;
    /** Per input that needs a gradient: its shape, to check what backward returns. */
    private int[][] shapes;
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
        creators = new Function[in.length];
        leaves = new Variable[in.length];
        shapes = new int[in.length][];
        for (int i = 0; i < in.length; i++) {
            if (!n[i]) continue;
            if (in[i].isLeaf()) leaves[i] = in[i];
            else creators[i] = in[i].gradFn();
            shapes[i] = in[i].shape();
        }
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

    /** Number of inputs forward read (optional ones included). */
    final int arity() {
        return needs.length;
    }

    /** The function that made input {@code i}, or null (a leaf, or no gradient needed); fails once freed. */
    final Function creator(int i) {
        requireNotFreed();
        return creators[i];
    }

    /** Input {@code i} when it is a leaf needing a gradient, else null; fails once freed. */
    final Variable leaf(int i) {
        requireNotFreed();
        return leaves[i];
    }

    /** Shape of input {@code i} (recorded only for inputs that need a gradient). */
    final int[] inputShape(int i) {
        return shapes[i];
    }

    private void requireNotFreed() {
        if (freed) {
            throw new IllegalStateException("backward: trying to go through the graph a second time (at " + name()
                    + "), but it was freed by the first backward; pass retainGraph=true to the first call");
        }
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
        creators = null;
        leaves = null;
        releaseSaved();
    }
}
