package diffusion4j.tensor.reference;

import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Shapes;

/**
 * gather and its adjoint scatterAdd (torch.gather / torch.scatter_add semantics) on dense double
 * arrays. Both walk the index tensor's shape with the strides of the big tensor, with {@code dim}'s
 * stride zeroed; the index value then supplies that dim's coordinate.
 */
final class RefIndex {
    private RefIndex() {}

    /** {@code out[p] = x[p with p[dim] = index[p]]}; output shape = index's shape. */
    static double[] gather(double[] x, int[] xShape, int dim, double[] index, int[] indexShape) {
        int[] base = bases("gather", xShape, dim, indexShape);
        int stride = Shapes.contiguousStrides(xShape)[dim];
        double[] out = new double[index.length];
        for (int p = 0; p < index.length; p++) {
            out[p] = x[base[p] + checkedIndex("gather", index[p], xShape[dim], dim) * stride];
        }
        return out;
    }

    /** Zeros of {@code shape}, then {@code out[p with p[dim] = index[p]] += src[p]} over index's positions. */
    static double[] scatterAdd(int[] shape, int dim, double[] index, int[] indexShape, double[] src) {
        int[] base = bases("scatterAdd", shape, dim, indexShape);
        int stride = Shapes.contiguousStrides(shape)[dim];
        double[] out = new double[Shapes.numel(shape)];
        for (int p = 0; p < index.length; p++) {
            out[base[p] + checkedIndex("scatterAdd", index[p], shape[dim], dim) * stride] += src[p];
        }
        return out;
    }

    /** For each index position, the dense offset in the big tensor of its coordinates with dim set to 0. */
    private static int[] bases(String op, int[] bigShape, int dim, int[] indexShape) {
        if (indexShape.length != bigShape.length) {
            throw new IllegalArgumentException(op + ": index of shape " + Shapes.format(indexShape) + " has a different rank than "
                    + Shapes.format(bigShape));
        }
        for (int d = 0; d < bigShape.length; d++) {
            if (d != dim && indexShape[d] > bigShape[d]) {
                throw new IllegalArgumentException(op + ": index of shape " + Shapes.format(indexShape) + " is larger than "
                        + Shapes.format(bigShape) + " along dim " + d);
            }
        }
        return Strided.offsets(new Layout(indexShape, Strided.stridesZeroing(bigShape, dim), 0));
    }

    /** The index as an int, or an error naming the op, the value and the dim's size. */
    static int checkedIndex(String op, double value, int size, int dim) {
        if (value != Math.rint(value)) {
            throw new IllegalArgumentException(op + ": index " + value + " is not an integer (dim " + dim + " of size " + size + ")");
        }
        if (value < 0 || value >= size) {
            throw new IllegalArgumentException(op + ": index " + (long) value + " out of range for dim " + dim + " of size " + size);
        }
        return (int) value;
    }
}
