package diffusion4j.kernels.opencl;

import static diffusion4j.kernels.opencl.ClLaunch.storage;

import diffusion4j.tensor.Layout;
import diffusion4j.tensor.ReduceOp;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;

/** reduce over dims and argReduce along one dim (reduce.cl): one work-group per output element. */
final class ClReduce {
    private ClReduce() {}

    private static final String FILE = "reduce.cl";

    /** The op codes of group.cl; exhaustive, so a new ReduceOp fails to compile until the kernel knows it. */
    static int code(ReduceOp op) {
        return switch (op) {
            case SUM -> 0;
            case MAX -> 1;
            case MIN -> 2;
        };
    }

    static Storage reduce(ClRuntime rt, ReduceOp op, Tensor x, int[] dims) {
        Layout l = x.layout();
        int r = l.rank();
        boolean[] reduced = new boolean[r];
        for (int d : dims) reduced[d] = true;
        int nk = r - dims.length;
        int[] keptShape = new int[nk], keptStrides = new int[nk], redShape = new int[dims.length], redStrides = new int[dims.length];
        for (int i = 0, k = 0, q = 0; i < r; i++) {
            if (reduced[i]) {
                redShape[q] = l.dim(i);
                redStrides[q++] = l.stride(i);
            } else {
                keptShape[k] = l.dim(i);
                keptStrides[k++] = l.stride(i);
            }
        }
        int outputs = Shapes.numel(keptShape), k = Shapes.numel(redShape);
        ClStorage out = rt.allocate(outputs);
        int g = ClLaunch.groupFor(rt, k);
        ClLaunch.perGroup(rt, rt.kernel(FILE, "reduce_dims", ""), outputs, g, storage(x),
                ClLaunch.meta(keptShape, keptStrides, l.offset()), ClLaunch.meta(redShape, redStrides, 0), k, code(op), out,
                LocalBytes.floats(g));
        return out;
    }

    static Storage argReduce(ClRuntime rt, ReduceOp op, Tensor x, int dim) {
        if (op == ReduceOp.SUM) throw new IllegalArgumentException("argReduce: op must be MAX or MIN, got SUM");
        Layout l = x.layout();
        int[] outShape = l.shape();
        int n = outShape[dim];
        outShape[dim] = 1;
        int outputs = Shapes.numel(outShape);
        ClStorage out = rt.allocate(outputs);
        int g = ClLaunch.groupFor(rt, n);
        ClLaunch.perGroup(rt, rt.kernel(FILE, "arg_reduce", ""), outputs, g, storage(x), ClLaunch.outer(l, dim), l.stride(dim), n,
                op == ReduceOp.MAX ? 1 : 0, out, LocalBytes.floats(g), new LocalBytes(4L * g));
        return out;
    }
}
