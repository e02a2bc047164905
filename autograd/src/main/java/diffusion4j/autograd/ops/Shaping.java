package diffusion4j.autograd.ops;

import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;
import java.util.Arrays;

/** Shape plumbing shared by several backward rules, written with Tensor ops only. */
final class Shaping {
    private Shaping() {}

    /**
     * The adjoint of broadcasting {@code shape} to {@code g}'s shape: sums {@code g} over the
     * leading dims broadcasting added and over the dims where {@code shape} has size 1.
     */
    static Tensor reduceTo(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (Arrays.equals(gs, shape)) return g;
        int lead = gs.length - shape.length;
        int[] dims = new int[gs.length];
        int n = 0;
        for (int i = 0; i < gs.length; i++) {
            if (i < lead || (shape[i - lead] == 1 && gs[i] != 1)) dims[n++] = i;
        }
        Tensor r = n == 0 ? g : g.sum(Arrays.copyOf(dims, n), true);
        return r.reshape(shape);
    }

    /** Zero padding of {@code before} and {@code after} elements along one dim. */
    static Tensor padDim(Tensor t, int dim, int before, int after) {
        if (before == 0 && after == 0) return t;
        int fromLast = t.rank() - 1 - dim;
        int[] pads = new int[2 * (fromLast + 1)];
        pads[2 * fromLast] = before;
        pads[2 * fromLast + 1] = after;
        return t.pad(pads, 0f);
    }

    /** The inverse of a permutation: {@code inv[order[i]] = i}. */
    static int[] inverse(int[] order) {
        int[] inv = new int[order.length];
        for (int i = 0; i < order.length; i++) inv[order[i]] = i;
        return inv;
    }

    /**
     * The shape a reduction over {@code dims} (negative allowed, empty: all) leaves: reduced dims
     * set to 1 when {@code keepdim}, dropped otherwise.
     */
    static int[] reducedShape(int[] shape, int[] dims, boolean keepdim) {
        boolean[] reduced = new boolean[shape.length];
        if (dims.length == 0) Arrays.fill(reduced, true);
        for (int d : dims) reduced[Shapes.dim(d, shape.length, "reduce")] = true;
        int[] out = new int[shape.length];
        int n = 0;
        for (int i = 0; i < shape.length; i++) {
            if (!reduced[i]) out[n++] = shape[i];
            else if (keepdim) out[n++] = 1;
        }
        return Arrays.copyOf(out, n);
    }
}
