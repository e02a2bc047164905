package diffusion4j.kernels.opencl;

import static diffusion4j.kernels.opencl.ClLaunch.storage;

import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;

/** Softmax / log-softmax forward and backward (softmax.cl): one work-group per row along {@code dim}. */
final class ClSoftmax {
    private ClSoftmax() {}

    private static final String FILE = "softmax.cl";

    /** @param x any layout; output dense of x's shape */
    static Storage forward(ClRuntime rt, Tensor x, int dim, boolean log) {
        int[] shape = x.shape();
        int n = shape[dim], numel = Shapes.numel(shape);
        ClStorage out = rt.allocate(numel);
        if (numel == 0) return out;
        int rows = numel / n, g = ClLaunch.groupFor(rt, n);
        ClLaunch.perGroup(rt, rt.kernel(FILE, "softmax_fwd", ""), rows, g, storage(x), ClLaunch.outer(x.layout(), dim),
                x.layout().stride(dim), ClLaunch.denseOuter(shape, dim), Shapes.contiguousStrides(shape)[dim], n, log ? 1 : 0, out,
                LocalBytes.floats(g));
        return out;
    }

    /** @param y the forward output, dy the incoming gradient (same shape, any layouts); output dense */
    static Storage backward(ClRuntime rt, Tensor y, Tensor dy, int dim, boolean log) {
        int[] shape = y.shape();
        int n = shape[dim], numel = Shapes.numel(shape);
        ClStorage out = rt.allocate(numel);
        if (numel == 0) return out;
        int rows = numel / n, g = ClLaunch.groupFor(rt, n);
        ClLaunch.perGroup(rt, rt.kernel(FILE, "softmax_bwd", ""), rows, g, storage(y), ClLaunch.outer(y.layout(), dim),
                y.layout().stride(dim), storage(dy), ClLaunch.outer(dy.layout(), dim), dy.layout().stride(dim),
                ClLaunch.denseOuter(shape, dim), Shapes.contiguousStrides(shape)[dim], n, log ? 1 : 0, out, LocalBytes.floats(g));
        return out;
    }
}
