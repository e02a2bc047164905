package diffusion4j.kernels.opencl;

import static diffusion4j.kernels.opencl.ClLaunch.storage;

import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;

/**
 * gather and scatterAdd (index.cl): one work-item per fiber along {@code dim}. Indices are
 * validated on the device; the kernel records the first bad position, and the host reads that
 * one int back and throws the reference backend's message naming the bad value.
 */
final class ClIndex {
    private ClIndex() {}

    private static final String FILE = "index.cl";

    /** Fiber meta of a view with the index's shape (dim pinned) over the strides and offset of {@code l}. */
    private static int[] fibers(int[] indexShape, int[] strides, int offset, int dim) {
        int[] s = indexShape.clone();
        s[dim] = 1;
        return ClLaunch.meta(s, strides, offset);
    }

    static Storage gather(ClRuntime rt, Tensor x, int dim, Tensor index) {
        int[] shape = index.shape();
        int numel = Shapes.numel(shape);
        ClStorage out = rt.allocate(numel);
        if (numel == 0) return out;
        Layout xl = x.layout(), il = index.layout();
        int[] dense = Shapes.contiguousStrides(shape);
        int n = shape[dim], size = xl.dim(dim), fibers = numel / n;
        ClStorage bad = flag(rt);
        ClLaunch.perElement(rt, rt.kernel(FILE, "gather", ""), fibers,
                storage(x), fibers(shape, xl.strides(), xl.offset(), dim), xl.stride(dim),
                storage(index), fibers(shape, il.strides(), il.offset(), dim), il.stride(dim),
                fibers(shape, dense, 0, dim), dense[dim], n, size, fibers, out, bad);
        check(rt, bad, index, size, dim, "gather");
        return out;
    }

    static Storage scatterAdd(ClRuntime rt, int[] shape, int dim, Tensor index, Tensor src) {
        int[] ishape = index.shape();
        int numel = Shapes.numel(ishape);
        ClStorage out = rt.zeros(Shapes.numel(shape));
        if (numel == 0 || Shapes.numel(shape) == 0) return out;
        Layout il = index.layout(), sl = src.layout();
        int[] outStrides = Shapes.contiguousStrides(shape), dense = Shapes.contiguousStrides(ishape);
        int n = ishape[dim], size = shape[dim], fibers = numel / n;
        ClStorage bad = flag(rt);
        ClLaunch.perElement(rt, rt.kernel(FILE, "scatter_add", ""), fibers,
                storage(src), fibers(ishape, sl.strides(), sl.offset(), dim), sl.stride(dim),
                storage(index), fibers(ishape, il.strides(), il.offset(), dim), il.stride(dim),
                fibers(ishape, outStrides, 0, dim), outStrides[dim], fibers(ishape, dense, 0, dim), dense[dim],
                n, size, fibers, out, bad);
        check(rt, bad, index, size, dim, "scatterAdd");
        return out;
    }

    /** A one-int device flag holding Integer.MAX_VALUE: "no bad index" (the kernel lowers it with atomic_min). */
    private static ClStorage flag(ClRuntime rt) {
        return rt.intCell(Integer.MAX_VALUE);
    }

    /** Throws the reference backend's error for the first bad index, if the kernel found one. */
    private static void check(ClRuntime rt, ClStorage bad, Tensor index, int size, int dim, String op) {
        int p = rt.readInt(bad);
        if (p == Integer.MAX_VALUE) return;
        float v = ClMemory.download(rt, index)[p];
        if (v != Math.rint(v)) {
            throw new IllegalArgumentException(op + ": index " + (double) v + " is not an integer (dim " + dim + " of size " + size + ")");
        }
        throw new IllegalArgumentException(op + ": index " + (long) v + " out of range for dim " + dim + " of size " + size);
    }
}
