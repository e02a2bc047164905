package diffusion4j.nn;

import diffusion4j.autograd.NN;
import diffusion4j.autograd.Variable;

/**
 * Max or average pooling over k x k windows, as torch.nn.MaxPool2d / AvgPool2d (average counts
 * padding as zeros). One class for both: they differ only in the reduction.
 */
public final class Pool2d extends Layer {
    public enum Kind { MAX, AVG }

    private final Kind kind;
    private final int kernel, stride, padding;

    public Pool2d(Kind kind, int kernel, int stride, int padding) {
        if (kernel < 1 || stride < 1 || padding < 0 || 2 * padding > kernel) {
            throw new IllegalArgumentException("Pool2d: need kernel >= 1, stride >= 1, 0 <= padding <= kernel/2, got kernel=" + kernel
                    + " stride=" + stride + " padding=" + padding);
        }
        this.kind = kind;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    /** Non-overlapping k x k windows. */
    public static Pool2d max(int k) { return new Pool2d(Kind.MAX, k, k, 0); }
    public static Pool2d avg(int k) { return new Pool2d(Kind.AVG, k, k, 0); }

    /** @param x (N, C, H, W) @return (N, C, outH, outW) */
    @Override public Variable forward(Variable x) {
        return kind == Kind.MAX ? NN.maxPool2d(x, kernel, stride, padding) : NN.avgPool2d(x, kernel, stride, padding);
    }
}
