package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmTesting.assertClose;
import static diffusion4j.kernels.cpu.GemmTesting.random;
import static diffusion4j.kernels.cpu.GemmTesting.values;
import static diffusion4j.kernels.cpu.GemmTesting.view;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Both CPU attention paths (flash, and whole key rows per batch) forward and backward against a
 * whole-row softmax in double written here and against the reference backend: block edges (BQ,
 * BK, the rows path's query blocks), causal with Lq < Lk and Lq > Lk, key masks, fully masked rows
 * and batches, D != Dv, odd sizes (the rows path's padded copies) and whole-tile sizes (its in-place
 * operands), inputs at non-zero storage offsets.
 */
class CpuAttentionTest {
    private static final double TOL = 2e-5;

    private interface Fwd {
        Backend.AttentionOutput run(Tensor q, Tensor k, Tensor v, Tensor keyMask, boolean causal, float scale);
    }

    private interface Bwd {
        Backend.AttentionGrads run(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dout, Tensor keyMask,
                                   boolean causal, float scale);
    }

    private record Path(String name, Fwd fwd, Bwd bwd) {}

    private static final Path FLASH = new Path("flash", CpuAttention::forwardFlash, CpuAttention::backwardFlash);
    private static final Path ROWS = new Path("rows", CpuAttentionRows::forward, CpuAttentionRows::backward);

    private record Case(int b, int lq, int lk, int d, int dv, boolean causal, boolean masked) {}

    private record Naive(double[] out, double[] lse, double[] dq, double[] dk, double[] dv) {}

    private static boolean sees(Case c, float[] mask, int b, int i, int j) {
        if (mask != null && mask[b * c.lk + j] == 0) return false;
        return !c.causal || j <= i + c.lk - c.lq;
    }

    /** Forward from the definition; backward from the given (float) out and lse, as the kernels get them. */
    private static Naive naive(Case c, float[] q, float[] k, float[] v, float[] mask, double scale, float[] out, float[] lse, float[] dout) {
        double[] o = new double[c.b * c.lq * c.dv], l = new double[c.b * c.lq];
        double[] dq = new double[q.length], dk = new double[k.length], dv = new double[v.length];
        for (int b = 0; b < c.b; b++) for (int i = 0; i < c.lq; i++) {
            int row = b * c.lq + i;
            double[] s = new double[c.lk];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c.lk; j++) {
                double dot = 0;
                for (int t = 0; t < c.d; t++) dot += (double) q[row * c.d + t] * k[(b * c.lk + j) * c.d + t];
                s[j] = sees(c, mask, b, i, j) ? scale * dot : Double.NEGATIVE_INFINITY;
                max = Math.max(max, s[j]);
            }
            l[row] = Double.NEGATIVE_INFINITY;
            if (max > Double.NEGATIVE_INFINITY) {
                double sum = 0;
                for (double x : s) sum += Math.exp(x - max);
                l[row] = max + Math.log(sum);
                for (int j = 0; j < c.lk; j++) for (int e = 0; e < c.dv; e++) o[row * c.dv + e] += Math.exp(s[j] - l[row]) * v[(b * c.lk + j) * c.dv + e];
            }
            if (lse[row] == Float.NEGATIVE_INFINITY) continue;
            double dd = 0;
            for (int e = 0; e < c.dv; e++) dd += (double) dout[row * c.dv + e] * out[row * c.dv + e];
            for (int j = 0; j < c.lk; j++) {
                if (!sees(c, mask, b, i, j)) continue;
                int kr = b * c.lk + j;
                double p = Math.exp(s[j] - lse[row]), dp = 0;
                for (int e = 0; e < c.dv; e++) {
                    dp += (double) dout[row * c.dv + e] * v[kr * c.dv + e];
                    dv[kr * c.dv + e] += p * dout[row * c.dv + e];
                }
                double ds = p * (dp - dd) * scale;
                for (int t = 0; t < c.d; t++) {
                    dq[row * c.d + t] += ds * k[kr * c.d + t];
                    dk[kr * c.d + t] += ds * q[row * c.d + t];
                }
            }
        }
        return new Naive(o, l, dq, dk, dv);
    }

    /** A dense tensor over data stored from storage offset {@code pad}. */
    private static Tensor at(float[] data, int pad, int... shape) {
        float[] s = new float[pad + data.length];
        System.arraycopy(data, 0, s, pad, data.length);
        return view(s, new Layout(shape, Shapes.contiguousStrides(shape), pad));
    }

    /** Checks the case on the flash path and, where it applies (Lk small enough), on the rows path. */
    private static void check(Case c, long seed, float[] mask) {
        check(FLASH, c, seed, mask);
        if (c.lk() > 0 && c.lk() <= CpuAttentionRows.LK_MAX) check(ROWS, c, seed, mask);
    }

    private static void check(Path path, Case c, long seed, float[] mask) {
        Random r = new Random(seed);
        float[] q = random(r, c.b * c.lq * c.d), k = random(r, c.b * c.lk * c.d), v = random(r, c.b * c.lk * c.dv);
        float[] dout = random(r, c.b * c.lq * c.dv);
        float scale = (float) (1 / Math.sqrt(c.d));
        Tensor tq = at(q, 1, c.b, c.lq, c.d), tk = at(k, 2, c.b, c.lk, c.d), tv = at(v, 3, c.b, c.lk, c.dv);
        Tensor tm = mask == null ? null : view(mask, new Layout(new int[] {c.b, c.lk}, new int[] {c.lk, 1}, 0));
        Backend.AttentionOutput got = path.fwd().run(tq, tk, tv, tm, c.causal, scale);
        float[] out = values(got.out()), lse = values(got.lse());
        Naive want = naive(c, q, k, v, mask, scale, out, lse, dout);
        String what = path.name() + " " + c;
        int depth = Math.max(c.d, c.lk);
        assertClose(want.out(), out, TOL, depth, "out " + what);
        for (int i = 0; i < lse.length; i++) {
            if (want.lse()[i] == Double.NEGATIVE_INFINITY) assertEquals(Float.NEGATIVE_INFINITY, lse[i], "lse of a row that sees nothing, " + what);
        }
        double[] finiteLse = want.lse().clone();
        float[] gotLse = lse.clone();
        for (int i = 0; i < gotLse.length; i++) if (gotLse[i] == Float.NEGATIVE_INFINITY) gotLse[i] = (float) (finiteLse[i] = 0);
        assertClose(finiteLse, gotLse, TOL, depth, "lse " + what);
        Tensor tout = at(out, 4, c.b, c.lq, c.dv), tlse = at(lse, 5, c.b, c.lq), tdout = at(dout, 6, c.b, c.lq, c.dv);
        Backend.AttentionGrads g = path.bwd().run(tq, tk, tv, tout, tlse, tdout, tm, c.causal, scale);
        assertClose(want.dq(), values(g.dq()), TOL, depth, "dq " + what);
        assertClose(want.dk(), values(g.dk()), TOL, depth, "dk " + what);
        assertClose(want.dv(), values(g.dv()), TOL, depth, "dv " + what);
        Backend ref = GemmTesting.reference();
        assertClose(values(ref.attention(tq, tk, tv, tm, c.causal, scale).out()), out, TOL, depth, "out vs reference " + what);
        Backend.AttentionGrads rg = ref.attentionBackward(tq, tk, tv, tout, tlse, tdout, tm, c.causal, scale);
        assertClose(values(rg.dq()), values(g.dq()), TOL, depth, "dq vs reference " + what);
        assertClose(values(rg.dk()), values(g.dk()), TOL, depth, "dk vs reference " + what);
        assertClose(values(rg.dv()), values(g.dv()), TOL, depth, "dv vs reference " + what);
    }

    @Test
    void plainAcrossBlockEdges() {
        check(new Case(2, 37, 37, 16, 16, false, false), 1, null);
        check(new Case(3, CpuAttention.BQ + 11, 2 * CpuAttention.BK + 3, 33, 17, false, false), 2, null);
        check(new Case(1, 1, 7, 5, 3, false, false), 3, null);
    }

    @Test
    void causalWithMoreKeysThanQueries() {
        check(new Case(2, 70, 130, 24, 40, true, false), 4, null);
        check(new Case(1, 2 * CpuAttention.BQ + 1, 2 * CpuAttention.BQ + 1, 8, 8, true, false), 5, null);
    }

    /** Lq > Lk with causal: the first Lq - Lk queries see no key at all (output 0, lse -inf, no grads). */
    @Test
    void causalWithMoreQueriesThanKeysHasFullyMaskedRows() {
        check(new Case(2, 50, 20, 16, 9, true, false), 6, null);
    }

    @Test
    void keyMaskIncludingAFullyMaskedBatch() {
        Case c = new Case(3, 29, 75, 16, 16, false, true);
        float[] mask = new float[c.b() * c.lk()];
        Random r = new Random(11);
        for (int j = 0; j < c.lk(); j++) {
            mask[j] = r.nextBoolean() ? 1 : 0;
            mask[c.lk() + j] = 0; // batch 1 sees nothing
            mask[2 * c.lk() + j] = j < 70 ? 0 : 1; // batch 2 sees only the tail block
        }
        check(c, 7, mask);
        check(new Case(3, 29, 75, 16, 16, true, true), 8, mask);
    }

    /** Whole tiles (Lq a multiple of 8, D and Dv of NR): the rows path reads the inputs in place. */
    @Test
    void wholeTileSizesAcrossQueryBlocks() {
        int nr = GemmKernel.NR;
        check(new Case(2, 64, 64, nr, nr, false, false), 12, null);
        check(new Case(2, 64, 64, 2 * nr, nr, true, false), 13, null);
        // Lk 300: query blocks of 24 rows, so 40 queries take two blocks, the last one partial.
        check(new Case(2, 40, 300, nr, 2 * nr, false, false), 14, null);
        check(new Case(2, 40, 300, nr, 2 * nr, true, false), 15, null);
        check(new Case(2, 320, 40, nr, nr, true, false), 16, null);
    }

    /**
     * Lk <= Dv: the rows path's backward takes D = rowsum(dO * O) as rowsum(P * dP) from each query
     * block instead of from the saved output; whole tiles, padded sizes, causal rows that see no key,
     * a fully masked batch, and two query blocks (Lk 32: blocks of 256 rows).
     */
    @Test
    void gradientsWithNoMoreKeysThanValueWidth() {
        int nr = GemmKernel.NR;
        check(new Case(2, 64, 64, 2 * nr, 2 * nr, false, false), 17, null);
        check(new Case(2, 64, 64, 2 * nr, 2 * nr, true, false), 18, null);
        check(new Case(2, 50, 20, 16, 24, true, false), 19, null);
        check(new Case(1, 300, 32, 8, 40, true, false), 20, null);
        Case c = new Case(2, 29, 40, 16, 48, true, true);
        float[] mask = new float[c.b() * c.lk()];
        for (int j = 0; j < c.lk(); j++) {
            mask[j] = j % 3 == 0 ? 0 : 1;
            mask[c.lk() + j] = 0; // batch 1 sees nothing
        }
        check(c, 21, mask);
    }

    /** The public entry points take the rows path for short keys and a batch per thread at least, flash otherwise. */
    @Test
    void dispatchPicksThePathBySize() {
        int t = Parallel.threads(), lk = CpuAttentionRows.LK_MAX;
        assertTrue(CpuAttention.rowsPath(new CpuAttention.Dims(t, 9, lk, 16, 16)));
        assertTrue(!CpuAttention.rowsPath(new CpuAttention.Dims(t, 9, lk + 1, 16, 16)));
        assertEquals(t == 1, CpuAttention.rowsPath(new CpuAttention.Dims(t - 1 == 0 ? 1 : t - 1, 9, 24, 16, 16)));
    }

    @Test
    void rejectsMismatchedShapes() {
        Tensor q = GemmTesting.tensor(new float[2 * 3 * 4], 2, 3, 4), k = GemmTesting.tensor(new float[2 * 5 * 3], 2, 5, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuAttention.forward(q, k, k, null, false, 1f));
        assertTrue(e.getMessage().startsWith("attention: expected q (..., Lq, D), k (..., Lk, D), v (..., Lk, Dv) with the same batch dims, rank 3 or more, got (2, 3, 4), (2, 5, 3)"),
                e.getMessage());
        Tensor k4 = GemmTesting.tensor(new float[2 * 5 * 4], 2, 5, 4), mask = GemmTesting.tensor(new float[5], 1, 5);
        e = assertThrows(IllegalArgumentException.class, () -> CpuAttention.forward(q, k4, k4, mask, false, 1f));
        assertEquals("attention: keyMask (1, 5) should be (2, 5)", e.getMessage());
    }
}
