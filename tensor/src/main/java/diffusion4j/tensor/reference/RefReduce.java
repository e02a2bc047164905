package diffusion4j.tensor.reference;

import diffusion4j.tensor.Layout;
import diffusion4j.tensor.ReduceOp;
import diffusion4j.tensor.Shapes;
import java.util.Arrays;

/** Reductions over dims and arg-max/min along one dim, on dense double arrays. */
final class RefReduce {
    private RefReduce() {}

    /**
     * Reduces {@code x} of {@code shape} over {@code dims}. Output: shape with those dims set to 1.
     * Each input element goes to its slot, found by walking the input shape with the output's
     * strides where reduced dims have stride 0.
     */
    static double[] reduce(ReduceOp op, double[] x, int[] shape, int[] dims) {
        int[] outShape = shape.clone();
        for (int d : dims) outShape[d] = 1;
        int[] strides = Shapes.contiguousStrides(outShape);
        for (int d : dims) strides[d] = 0;
        int[] slot = Strided.offsets(new Layout(shape, strides, 0));
        double[] out = new double[Shapes.numel(outShape)];
        Arrays.fill(out, op.identity());
        for (int p = 0; p < x.length; p++) {
            out[slot[p]] = op.combine(out[slot[p]], x[p]); // NaN propagates through combine (torch.amax)
        }
        return out;
    }

    /**
     * Index (as a double) of the first maximum ({@code MAX}) or minimum ({@code MIN}) along
     * {@code dim}. A NaN wins over any number and the first NaN is kept, matching torch.argmax.
     */
    static double[] argReduce(ReduceOp op, double[] x, int[] shape, int dim) {
        if (op == ReduceOp.SUM) throw new IllegalArgumentException("argReduce: op must be MAX or MIN, got SUM");
        int[] a = Strided.around(shape, dim);
        int outer = a[0], n = a[1], inner = a[2];
        double[] out = new double[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int best = 0;
                double bestValue = n == 0 ? Double.NaN : x[o * n * inner + i];
                for (int j = 1; j < n; j++) {
                    double v = x[(o * n + j) * inner + i];
                    if (Double.isNaN(bestValue)) break;
                    boolean better = Double.isNaN(v) || (op == ReduceOp.MAX ? v > bestValue : v < bestValue);
                    if (better) {
                        best = j;
                        bestValue = v;
                    }
                }
                out[o * inner + i] = best;
            }
        }
        return out;
    }
}
