package diffusion4j.kernels.cpu;

import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;

/**
 * gather and its adjoint scatterAdd, for any rank and dim. Both walk the index tensor fiber by
 * fiber: a fiber is every position that differs only along {@code dim}. In scatterAdd two fibers
 * never write the same output element (they differ in some other coordinate), so fibers run in
 * parallel without atomics, and within a fiber additions happen in index order, as in a serial loop.
 */
final class CpuIndex {
    private CpuIndex() {}

    /** Fiber elements per task below which splitting costs more than it saves. */
    private static final int GRAIN = 1 << 14;

    /** Start offsets, per fiber, of a view laid over the index's fibers, and its stride along {@code dim}. */
    private record Fibers(int[] starts, int stride) {
        /** Fibers of a view with the index's shape but the strides and offset of {@code l}. */
        static Fibers of(int[] indexShape, int[] strides, int offset, int dim) {
            int[] s = indexShape.clone();
            s[dim] = 1;
            return new Fibers(Strided.offsets(s, strides, offset), strides[dim]);
        }
    }

    /** @param x any rank; index same rank, each dim but {@code dim} no larger than x's. Output: index's shape. */
    static Storage gather(Tensor x, int dim, Tensor index) {
        int[] shape = index.shape();
        Layout xl = x.layout(), il = index.layout();
        float[] xs = HeapStorage.of(x.storage()), is = HeapStorage.of(index.storage());
        float[] out = TensorScope.zeroArray(Shapes.numel(shape));
        if (out.length == 0) return new HeapStorage(out);
        Fibers fi = Fibers.of(shape, il.strides(), il.offset(), dim), fx = Fibers.of(shape, xl.strides(), xl.offset(), dim);
        Fibers fo = Fibers.of(shape, Shapes.contiguousStrides(shape), 0, dim);
        int n = shape[dim], size = xl.dim(dim);
        Parallel.range(fi.starts().length, Math.max(1, GRAIN / n), (start, end) -> {
            for (int f = start; f < end; f++) {
                int i0 = fi.starts()[f], x0 = fx.starts()[f], o0 = fo.starts()[f];
                for (int j = 0; j < n; j++) {
                    int k = checked(is[i0 + j * fi.stride()], size, dim, "gather");
                    out[o0 + j * fo.stride()] = xs[x0 + k * fx.stride()];
                }
            }
        });
        return new HeapStorage(out);
    }

    /** @param shape output shape; index and src the same shape, each dim but {@code dim} no larger than {@code shape}'s. */
    static Storage scatterAdd(int[] shape, int dim, Tensor index, Tensor src) {
        int[] ishape = index.shape();
        Layout il = index.layout(), sl = src.layout();
        float[] is = HeapStorage.of(index.storage()), ss = HeapStorage.of(src.storage());
        float[] out = TensorScope.zeroArray(Shapes.numel(shape));
        if (Shapes.numel(ishape) == 0 || out.length == 0) return new HeapStorage(out);
        Fibers fi = Fibers.of(ishape, il.strides(), il.offset(), dim), fs = Fibers.of(ishape, sl.strides(), sl.offset(), dim);
        Fibers fo = Fibers.of(ishape, Shapes.contiguousStrides(shape), 0, dim);
        int n = ishape[dim], size = shape[dim];
        Parallel.range(fi.starts().length, Math.max(1, GRAIN / n), (start, end) -> {
            for (int f = start; f < end; f++) {
                int i0 = fi.starts()[f], s0 = fs.starts()[f], o0 = fo.starts()[f];
                for (int j = 0; j < n; j++) {
                    int k = checked(is[i0 + j * fi.stride()], size, dim, "scatterAdd");
                    out[o0 + k * fo.stride()] += ss[s0 + j * fs.stride()];
                }
            }
        });
        return new HeapStorage(out);
    }

    /** An index value as an int in {@code [0, size)}, or the reference backend's error naming the op, the value and the dim. */
    private static int checked(float v, int size, int dim, String op) {
        if (v != Math.rint(v)) {
            throw new IllegalArgumentException(op + ": index " + (double) v + " is not an integer (dim " + dim + " of size " + size + ")");
        }
        if (v < 0 || v >= size) {
            throw new IllegalArgumentException(op + ": index " + (long) v + " out of range for dim " + dim + " of size " + size);
        }
        return (int) v;
    }
}
