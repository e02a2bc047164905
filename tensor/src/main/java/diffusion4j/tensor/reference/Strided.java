package diffusion4j.tensor.reference;

import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;

/**
 * The one place the reference backend walks layouts: storage offsets of a layout in row-major
 * order, dense double copies of tensors, and the final rounding to float.
 */
final class Strided {
    private Strided() {}

    /**
     * Storage index of every element of {@code l}, in row-major order of its shape. An odometer:
     * the last dim advances fastest, and a dim that wraps steps back by {@code (size-1)*stride}.
     * Works for stride 0 (broadcast) and for layouts that are not views of a storage at all, such as
     * "shape with some strides zeroed" used to map elements to their reduction slot.
     */
    static int[] offsets(Layout l) {
        int n = l.numel();
        int[] out = new int[n];
        if (n == 0) return out;
        int[] shape = l.shape(), strides = l.strides(), idx = new int[shape.length];
        int off = l.offset();
        for (int p = 0; p < n; p++) {
            out[p] = off;
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    off += strides[d];
                    break;
                }
                off -= (shape[d] - 1) * strides[d];
                idx[d] = 0;
            }
        }
        return out;
    }

    /** The elements of {@code t} in row-major order, widened to double. */
    static double[] read(Tensor t) {
        float[] data = HeapStorage.of(t.storage());
        int[] off = offsets(t.layout());
        double[] out = new double[off.length];
        for (int i = 0; i < off.length; i++) out[i] = data[off[i]];
        return out;
    }

    /** {@link #read}, or null for a null tensor (optional gamma, beta, bias, mask). */
    static double[] readOrNull(Tensor t) {
        return t == null ? null : read(t);
    }

    /** Rounds each value to float once: the only rounding a reference result goes through. */
    static HeapStorage store(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) out[i] = (float) values[i];
        return new HeapStorage(out);
    }

    static HeapStorage storeOrNull(double[] values) {
        return values == null ? null : store(values);
    }

    /**
     * Splits {@code shape} around {@code dim} into {@code {outer, size, inner}}: element
     * {@code (o, j, i)} of the dense tensor sits at {@code (o*size + j)*inner + i}.
     */
    static int[] around(int[] shape, int dim) {
        int outer = 1, inner = 1;
        for (int d = 0; d < dim; d++) outer *= shape[d];
        for (int d = dim + 1; d < shape.length; d++) inner *= shape[d];
        return new int[] {outer, shape[dim], inner};
    }

    /** Row-major strides of {@code shape} with the dims in {@code zeroed} set to 0. */
    static int[] stridesZeroing(int[] shape, int... zeroed) {
        int[] s = Shapes.contiguousStrides(shape);
        for (int d : zeroed) s[d] = 0;
        return s;
    }
}
