package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.VecMath.S;

import diffusion4j.kernels.cpu.Strided.Dims;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.ReduceOp;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Reductions over dims and arg-max/min along one dim.
 *
 * <p>Two shapes of work, picked by where the unit stride is:
 * <ul>
 *   <li><b>columns</b> (the last dim is kept and dense, e.g. summing (B, D) over B): each task owns
 *       a block of output columns and adds whole input rows into a vector accumulator.</li>
 *   <li><b>rows</b> (otherwise, e.g. (N, C, H, W) over H, W): each task owns output elements and
 *       reduces the reduced sub-view as runs along its innermost collapsed dim, vectorized where
 *       that run is dense.</li>
 * </ul>
 * Float partial results (a run, or a block of {@link #FLUSH} rows) are combined in double, so long
 * sums stay accurate without paying for double vectors.
 */
final class CpuReduce {
    private CpuReduce() {}

    /** Input elements per task below which splitting costs more than it saves. */
    private static final int GRAIN = 1 << 15;
    /** Output columns per task in the column strategy. */
    private static final int COLS = 512;
    /** Rows added in float before the partial is folded into the double accumulator. */
    private static final int FLUSH = 256;

    static Storage reduce(ReduceOp op, Tensor x, int[] dims) {
        Layout l = x.layout();
        int r = l.rank();
        boolean[] reduced = new boolean[r];
        for (int d : dims) reduced[d] = true;
        int[] shape = l.shape(), strides = l.strides();
        int nk = r - dims.length;
        int[] keptShape = new int[nk], keptStrides = new int[nk], redShape = new int[dims.length], redStrides = new int[dims.length];
        for (int i = 0, k = 0, q = 0; i < r; i++) {
            if (reduced[i]) { redShape[q] = shape[i]; redStrides[q++] = strides[i]; }
            else { keptShape[k] = shape[i]; keptStrides[k++] = strides[i]; }
        }
        float[] data = HeapStorage.of(x.storage());
        float[] out = TensorScope.zeroArray(Math.max(0, numel(keptShape)));
        if (r > 0 && !reduced[r - 1] && strides[r - 1] == 1 && shape[r - 1] > 1) {
            columns(op, data, l.offset(), keptShape, keptStrides, redShape, redStrides, out);
        } else {
            rows(op, data, l.offset(), keptShape, keptStrides, redShape, redStrides, out);
        }
        return new HeapStorage(out);
    }

    private static void rows(ReduceOp op, float[] x, int offset, int[] keptShape, int[] keptStrides,
                             int[] redShape, int[] redStrides, float[] out) {
        int[] keptOff = Strided.offsets(keptShape, keptStrides, offset);
        Dims rd = Dims.of(redShape, redStrides, 0);
        int rr = rd.shape().length;
        int runLen = rr == 0 ? 1 : rd.shape()[rr - 1], runStride = rr == 0 ? 0 : rd.strides()[rr - 1];
        int[] runOff = rr == 0 ? new int[] {0}
                : Strided.offsets(Arrays.copyOf(rd.shape(), rr - 1), Arrays.copyOf(rd.strides(), rr - 1), 0);
        if (numel(redShape) == 0) runOff = new int[0];
        int perOut = Math.max(1, runOff.length * runLen);
        int[] runs = runOff;
        Parallel.range(out.length, Math.max(1, GRAIN / perOut), (start, end) -> {
            for (int o = start; o < end; o++) {
                double acc = op.identity();
                for (int q : runs) acc = op.combine(acc, run(op, x, keptOff[o] + q, runStride, runLen));
                out[o] = (float) acc;
            }
        });
    }

    private static void columns(ReduceOp op, float[] x, int offset, int[] keptShape, int[] keptStrides,
                                int[] redShape, int[] redStrides, float[] out) {
        int nk = keptShape.length, cols = keptShape[nk - 1];
        int[] outerOff = Strided.offsets(Arrays.copyOf(keptShape, nk - 1), Arrays.copyOf(keptStrides, nk - 1), offset);
        int[] redOff = Strided.offsets(redShape, redStrides, 0);
        int blocks = (cols + COLS - 1) / COLS;
        Parallel.range(outerOff.length * blocks, Math.max(1, GRAIN / Math.max(1, redOff.length * COLS)), (start, end) -> {
            float[] part = new float[COLS];
            double[] acc = new double[COLS];
            for (int task = start; task < end; task++) {
                int o = task / blocks, j0 = (task % blocks) * COLS, w = Math.min(COLS, cols - j0);
                Arrays.fill(acc, 0, w, op.identity());
                for (int k0 = 0; k0 < redOff.length; k0 += FLUSH) {
                    Arrays.fill(part, 0, w, (float) op.identity());
                    for (int k = k0, kEnd = Math.min(redOff.length, k0 + FLUSH); k < kEnd; k++) {
                        accumulateRow(op, part, x, outerOff[o] + redOff[k] + j0, w);
                    }
                    for (int j = 0; j < w; j++) acc[j] = op.combine(acc[j], part[j]);
                }
                for (int j = 0; j < w; j++) out[o * cols + j0 + j] = (float) acc[j];
            }
        });
    }

    /** {@code part[j] = op(part[j], x[xo + j])} for j in [0, w). */
    private static void accumulateRow(ReduceOp op, float[] part, float[] x, int xo, int w) {
        int j = 0;
        for (int bound = S.loopBound(w); j < bound; j += S.length()) {
            combine(op, FloatVector.fromArray(S, part, j), FloatVector.fromArray(S, x, xo + j)).intoArray(part, j);
        }
        if (j < w) {
            VectorMask<Float> m = S.indexInRange(j, w);
            combine(op, FloatVector.fromArray(S, part, j, m), FloatVector.fromArray(S, x, xo + j, m)).intoArray(part, j, m);
        }
    }

    /** op over {@code x[o], x[o+s], ..., x[o+(n-1)s]}: vectorized when dense, a scalar loop per op otherwise. */
    static float run(ReduceOp op, float[] x, int o, int s, int n) {
        if (s == 1 && n >= S.length()) return denseRun(op, x, o, n);
        float acc = (float) op.identity();
        switch (op) {
            case SUM -> { for (int j = 0; j < n; j++) acc += x[o + j * s]; }
            case MAX -> { for (int j = 0; j < n; j++) acc = Math.max(acc, x[o + j * s]); }
            case MIN -> { for (int j = 0; j < n; j++) acc = Math.min(acc, x[o + j * s]); }
        }
        return acc;
    }

    private static float denseRun(ReduceOp op, float[] x, int o, int n) {
        FloatVector acc = FloatVector.broadcast(S, (float) op.identity());
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += S.length()) {
            acc = combine(op, acc, FloatVector.fromArray(S, x, o + j));
        }
        if (j < n) {
            // Lanes past the end load as the identity so they change nothing.
            VectorMask<Float> m = S.indexInRange(j, n);
            acc = combine(op, acc, FloatVector.broadcast(S, (float) op.identity()).blend(FloatVector.fromArray(S, x, o + j, m), m));
        }
        return switch (op) {
            case SUM -> VecMath.sumLanes(acc);
            case MAX -> VecMath.maxLanes(acc);
            case MIN -> VecMath.minLanes(acc);
        };
    }

    /** Lanewise combine; MAX and MIN propagate NaN like the definitions in {@link ReduceOp}. */
    private static FloatVector combine(ReduceOp op, FloatVector acc, FloatVector v) {
        return switch (op) {
            case SUM -> acc.add(v);
            case MAX -> acc.lanewise(VectorOperators.MAX, v);
            case MIN -> acc.lanewise(VectorOperators.MIN, v);
        };
    }

    /**
     * Index of the first maximum (MAX) or minimum (MIN) along {@code dim}; a NaN wins at its first
     * position, as with torch.argmax. SUM is not an arg-reduction.
     */
    static Storage argReduce(ReduceOp op, Tensor x, int dim) {
        if (op == ReduceOp.SUM) throw new IllegalArgumentException("argReduce: op must be MAX or MIN, got SUM");
        Layout l = x.layout();
        int n = l.dim(dim), s = l.stride(dim);
        int[] outerShape = l.shape();
        outerShape[dim] = 1; // not select(): a dim of size 0 still has outputs (index 0, as in the reference)
        int[] base = Strided.offsets(outerShape, l.strides(), l.offset());
        float[] data = HeapStorage.of(x.storage());
        float[] out = new float[base.length];
        boolean max = op == ReduceOp.MAX;
        Parallel.range(out.length, Math.max(1, GRAIN / Math.max(1, n)), (start, end) -> {
            for (int o = start; o < end; o++) {
                if (n == 0) continue;
                int best = 0;
                float bv = data[base[o]];
                for (int j = 1; j < n && !Float.isNaN(bv); j++) {
                    float v = data[base[o] + j * s];
                    if (Float.isNaN(v) || (max ? v > bv : v < bv)) {
                        bv = v;
                        best = j;
                    }
                }
                out[o] = best;
            }
        });
        return new HeapStorage(out);
    }

    private static int numel(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }
}
