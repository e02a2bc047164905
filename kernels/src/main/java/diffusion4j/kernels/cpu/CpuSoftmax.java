package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.VecMath.S;

import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.ReduceOp;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Softmax and log-softmax along one dim, forward and backward. Each task owns whole rows (every
 * index but {@code dim}); a row that is not dense in the input (or in the output, when {@code dim}
 * is not last) goes through a per-thread row buffer, so the vector loops only see dense rows.
 * Forward is max, then one pass computing exp(x - max) and its sum, then one scaling pass.
 */
final class CpuSoftmax {
    private CpuSoftmax() {}

    /** Row elements per task below which splitting costs more than it saves. */
    private static final int GRAIN = 1 << 14;

    /** Where the rows of one tensor start and how they step along {@code dim}. */
    private record Rows(float[] data, int[] starts, int stride) {
        static Rows of(Tensor t, int dim) {
            Layout l = t.layout();
            Layout outer = l.select(dim, 0);
            return new Rows(HeapStorage.of(t.storage()), Strided.offsets(outer.shape(), outer.strides(), outer.offset()), l.stride(dim));
        }

        /** The dense output rows of a tensor of {@code shape}. */
        static Rows dense(float[] out, int[] shape, int dim) {
            Layout l = Layout.contiguous(shape);
            Layout outer = l.select(dim, 0);
            return new Rows(out, Strided.offsets(outer.shape(), outer.strides(), 0), l.stride(dim));
        }

        /** Makes row {@code r} readable densely (in place, or copied into {@code buf}); returns its start. */
        int load(int r, int n, float[] buf) {
            if (stride == 1) return starts[r];
            for (int j = 0; j < n; j++) buf[j] = data[starts[r] + j * stride];
            return 0;
        }

        float[] array(float[] buf) {
            return stride == 1 ? data : buf;
        }

        /** Index to write row {@code r} at densely: the output itself when its row is dense, else {@code buf}. */
        int target(int r) {
            return stride == 1 ? starts[r] : 0;
        }

        /** Copies a row computed in {@code buf} to its strided place (no-op when it was written in place). */
        void store(int r, int n, float[] buf) {
            if (stride == 1) return;
            for (int j = 0; j < n; j++) data[starts[r] + j * stride] = buf[j];
        }
    }

    static Storage forward(Tensor x, int dim, boolean log) {
        int[] shape = x.shape();
        int n = shape[dim];
        float[] out = TensorScope.array(Shapes.numel(shape));
        if (out.length == 0) return new HeapStorage(out);
        Rows in = Rows.of(x, dim), o = Rows.dense(out, shape, dim);
        Parallel.range(in.starts().length, Math.max(1, GRAIN / Math.max(1, n)), (start, end) -> {
            float[] xb = new float[n], yb = new float[n];
            for (int r = start; r < end; r++) {
                int xo = in.load(r, n, xb), yo = o.target(r);
                row(in.array(xb), xo, o.array(yb), yo, n, log);
                o.store(r, n, yb);
            }
        });
        return new HeapStorage(out);
    }

    static Storage backward(Tensor y, Tensor dy, int dim, boolean log) {
        int[] shape = y.shape();
        int n = shape[dim];
        float[] out = TensorScope.array(Shapes.numel(shape));
        if (out.length == 0) return new HeapStorage(out);
        Rows ry = Rows.of(y, dim), rg = Rows.of(dy, dim), o = Rows.dense(out, shape, dim);
        Parallel.range(ry.starts().length, Math.max(1, GRAIN / Math.max(1, n)), (start, end) -> {
            float[] yb = new float[n], gb = new float[n], ob = new float[n];
            for (int r = start; r < end; r++) {
                int yo = ry.load(r, n, yb), go = rg.load(r, n, gb), oo = o.target(r);
                rowBackward(ry.array(yb), yo, rg.array(gb), go, o.array(ob), oo, n, log);
                o.store(r, n, ob);
            }
        });
        return new HeapStorage(out);
    }

    /** One dense row: {@code y = softmax(x)} or {@code y = x - logsumexp(x)}. */
    private static void row(float[] x, int xo, float[] y, int yo, int n, boolean log) {
        float max = CpuReduce.run(ReduceOp.MAX, x, xo, 1, n);
        FloatVector vmax = FloatVector.broadcast(S, max), sum = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += S.length()) {
            FloatVector e = VecMath.exp(FloatVector.fromArray(S, x, xo + j).sub(vmax));
            if (!log) e.intoArray(y, yo + j);
            sum = sum.add(e);
        }
        float total = VecMath.sumLanes(sum);
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector e = VecMath.exp(FloatVector.fromArray(S, x, xo + j, m).sub(vmax));
            if (!log) e.intoArray(y, yo + j, m);
            total += VecMath.sumLanes(e.blend(0f, m.not()));
        }
        if (log) {
            // StrictMath rather than Math here and in the tails: pure Java, so no JIT tier can change its bits.
            affine(x, xo, 1f, -(max + (float) StrictMath.log(total)), y, yo, n);
        } else {
            affine(y, yo, 1f / total, 0f, y, yo, n);
        }
    }

    /** One dense row of the gradient: {@code y (dy - sum(dy y))}, or {@code dy - exp(y) sum(dy)} for log-softmax. */
    private static void rowBackward(float[] y, int yo, float[] g, int go, float[] dx, int o, int n, boolean log) {
        FloatVector acc = FloatVector.zero(S);
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length()) {
            FloatVector vg = FloatVector.fromArray(S, g, go + j);
            acc = log ? acc.add(vg) : vg.fma(FloatVector.fromArray(S, y, yo + j), acc);
        }
        float s = VecMath.sumLanes(acc);
        for (; j < n; j++) s += log ? g[go + j] : g[go + j] * y[yo + j];
        FloatVector vs = FloatVector.broadcast(S, s);
        for (j = 0; j < bound; j += S.length()) {
            FloatVector vy = FloatVector.fromArray(S, y, yo + j), vg = FloatVector.fromArray(S, g, go + j);
            FloatVector r = log ? vg.sub(VecMath.exp(vy).mul(vs)) : vy.mul(vg.sub(vs));
            r.intoArray(dx, o + j);
        }
        for (; j < n; j++) dx[o + j] = log ? g[go + j] - (float) StrictMath.exp(y[yo + j]) * s : y[yo + j] * (g[go + j] - s);
    }

    /** {@code y[yo+j] = x[xo+j] * a + b}; in place when x and y are the same range. */
    static void affine(float[] x, int xo, float a, float b, float[] y, int yo, int n) {
        FloatVector va = FloatVector.broadcast(S, a), vb = FloatVector.broadcast(S, b);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += S.length()) {
            FloatVector.fromArray(S, x, xo + j).fma(va, vb).intoArray(y, yo + j);
        }
        for (; j < n; j++) y[yo + j] = Math.fma(x[xo + j], a, b);
    }
}
