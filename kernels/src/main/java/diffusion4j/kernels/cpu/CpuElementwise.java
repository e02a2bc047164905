package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.VecMath.S;

import diffusion4j.kernels.cpu.Strided.Operand;
import diffusion4j.tensor.BinaryOp;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import diffusion4j.tensor.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Unary, binary and where. The output is dense, so it is cut into tiles of {@link Strided#TILE}
 * positions spread over threads; each tile reads its inputs in place when they are dense and
 * otherwise gathers them first (transposed, sliced, broadcast views), then runs one vector loop
 * whose tail runs the same vector code on a padded copy.
 */
final class CpuElementwise {
    private CpuElementwise() {}

    /** Positions per thread below which splitting costs more than it saves. */
    private static final int GRAIN = 1 << 14;

    static Storage unary(UnaryOp op, Tensor x) {
        int n = x.numel();
        float[] out = TensorScope.array(n);
        Operand a = new Operand(x);
        Parallel.range(n, GRAIN, (start, end) -> {
            float[] sa = a.scratch();
            for (int t = start; t < end; t += Strided.TILE) {
                int len = Math.min(Strided.TILE, end - t);
                unaryRun(op, a.array(sa), a.load(t, len, sa), out, t, len);
            }
        });
        return new HeapStorage(out);
    }

    static Storage binary(BinaryOp op, Tensor x, Tensor y) {
        int n = x.numel();
        float[] out = TensorScope.array(n);
        Operand a = new Operand(x), b = new Operand(y);
        Parallel.range(n, GRAIN, (start, end) -> {
            float[] sa = a.scratch(), sb = b.scratch();
            for (int t = start; t < end; t += Strided.TILE) {
                int len = Math.min(Strided.TILE, end - t);
                int ao = a.load(t, len, sa), bo = b.load(t, len, sb);
                binaryRun(op, a.array(sa), ao, b.array(sb), bo, out, t, len);
            }
        });
        return new HeapStorage(out);
    }

    static Storage where(Tensor cond, Tensor x, Tensor y) {
        int n = x.numel();
        float[] out = TensorScope.array(n);
        Operand c = new Operand(cond), a = new Operand(x), b = new Operand(y);
        Parallel.range(n, GRAIN, (start, end) -> {
            float[] sc = c.scratch(), sa = a.scratch(), sb = b.scratch();
            for (int t = start; t < end; t += Strided.TILE) {
                int len = Math.min(Strided.TILE, end - t);
                int co = c.load(t, len, sc), ao = a.load(t, len, sa), bo = b.load(t, len, sb);
                whereRun(c.array(sc), co, a.array(sa), ao, b.array(sb), bo, out, t, len);
            }
        });
        return new HeapStorage(out);
    }

    /** {@code out[oo+i] = op(x[xo+i])} for i in [0, len). */
    static void unaryRun(UnaryOp op, float[] x, int xo, float[] out, int oo, int len) {
        int bound = S.loopBound(len), tail = len - bound;
        VecMath.unary(op, x, xo, out, oo, bound);
        if (tail > 0) {
            // The tail goes through the same vector code on a padded copy, so every element gets the same formula.
            float[] in = new float[S.length()], res = new float[S.length()];
            System.arraycopy(x, xo + bound, in, 0, tail);
            VecMath.unary(op, in, 0, res, 0, S.length());
            System.arraycopy(res, 0, out, oo + bound, tail);
        }
    }

    /** {@code out[oo+i] = op(a[ao+i], b[bo+i])} for i in [0, len). */
    static void binaryRun(BinaryOp op, float[] a, int ao, float[] b, int bo, float[] out, int oo, int len) {
        int bound = S.loopBound(len), tail = len - bound;
        VecMath.binary(op, a, ao, b, bo, out, oo, bound);
        if (tail > 0) {
            float[] pa = new float[S.length()], pb = new float[S.length()], res = new float[S.length()];
            System.arraycopy(a, ao + bound, pa, 0, tail);
            System.arraycopy(b, bo + bound, pb, 0, tail);
            VecMath.binary(op, pa, 0, pb, 0, res, 0, S.length());
            System.arraycopy(res, 0, out, oo + bound, tail);
        }
    }

    /** {@code out[oo+i] = c[co+i] != 0 ? a[ao+i] : b[bo+i]}; a NaN condition counts as true, as {@code !=} says. */
    private static void whereRun(float[] c, int co, float[] a, int ao, float[] b, int bo, float[] out, int oo, int len) {
        int i = 0;
        for (int bound = S.loopBound(len); i < bound; i += S.length()) {
            VectorMask<Float> take = FloatVector.fromArray(S, c, co + i).compare(VectorOperators.NE, 0f);
            FloatVector.fromArray(S, b, bo + i).blend(FloatVector.fromArray(S, a, ao + i), take).intoArray(out, oo + i);
        }
        for (; i < len; i++) out[oo + i] = c[co + i] != 0 ? a[ao + i] : b[bo + i];
    }
}
