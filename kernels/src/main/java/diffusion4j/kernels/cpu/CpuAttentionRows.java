package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.AttentionTile.TR;
import static diffusion4j.kernels.cpu.CpuAttention.maskBias;
import static diffusion4j.kernels.cpu.CpuAttention.probRow;
import static diffusion4j.kernels.cpu.CpuAttention.softmaxGrad;
import static diffusion4j.kernels.cpu.CpuAttention.visible;
import static diffusion4j.kernels.cpu.GemmKernel.LANES;
import static diffusion4j.kernels.cpu.GemmKernel.NR;
import static diffusion4j.kernels.cpu.GemmKernel.SPECIES;

import diffusion4j.kernels.cpu.CpuAttention.Dims;
import diffusion4j.tensor.Backend;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Attention with whole key rows, one task per batch: for short key sequences (Lk up to
 * {@link #LK_MAX}), the form {@link CpuAttention} uses when there are at least as many batches as
 * threads. A block of query rows gets its full score rows S = Q K^T at once (QB x Lk, about 32 KiB,
 * so in L1), then an exact softmax (no online rescaling), then O = P V; the backward goes over the
 * same query blocks, recomputes P from the saved lse and does dV += P^T dO, dP = dO V^T,
 * dS = P (dP - D) scale, dK += dS^T Q and dQ = dS K. A task owns its whole batch, so dQ is final
 * when its block is done and dK, dV are summed over the blocks in ascending order: no per-thread
 * partial sums to combine afterwards, and the bits do not depend on which thread ran a batch.
 * Threads take the next batch as they finish one (as {@link Gemm} does with its tasks), so a
 * thread that loses its core on this shared machine just takes fewer batches.
 *
 * <p>The products run on {@link AttentionTile} with K and V straight from the inputs when the sizes
 * are whole tiles (Lq a multiple of {@link AttentionTile#TR}, D and Dv of NR: the benchmark shapes
 * and the UNet's heads); otherwise from zero-padded copies. K^T and V^T (S and dP need them as B
 * operands) and Q and dO (see {@link Block#load}) are always copied. Padding keys and rows are kept
 * out of the softmax: score columns past what a row sees are -inf before exp, and padding query
 * rows are zero in Q and dO.
 */
final class CpuAttentionRows {
    private CpuAttentionRows() {}

    /** Longest key sequence for this path: beyond it a QB x Lk score block leaves L1 even at QB = 16. */
    static final int LK_MAX = 512;
    /** Floats in one block of score rows (QB x Lk padded): 32 KiB, in L1 beside the operands' rows. */
    private static final int BLOCK_FLOATS = 8192;

    /** Lk in [1, LK_MAX] (no keys at all is left to the flash path, which needs no score rows). */
    static boolean applies(Dims n) {
        return n.lk() > 0 && n.lk() <= LK_MAX;
    }

    /** As {@link CpuAttention#forward}, on this path whatever the batch count. */
    static Backend.AttentionOutput forward(Tensor q, Tensor k, Tensor v, Tensor keyMask, boolean causal, float scale) {
        Dims n = Dims.of(q, k, v);
        Operand qs = Operand.of(q), ks = Operand.of(k), vs = Operand.of(v);
        float[] bias = maskBias(keyMask, n), out = TensorScope.array(n.b() * n.lq() * n.dv()), lse = TensorScope.array(n.b() * n.lq());
        eachBatch(n, () -> new Block(n, bias, causal, scale, false), (w, b) -> {
            w.load(qs, ks, vs, null, b);
            w.forward(b, out, lse);
        });
        return new Backend.AttentionOutput(new HeapStorage(out), new HeapStorage(lse));
    }

    /** As {@link CpuAttention#backward}, on this path whatever the batch count. */
    static Backend.AttentionGrads backward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dout,
                                           Tensor keyMask, boolean causal, float scale) {
        Dims n = Dims.of(q, k, v);
        Operand qs = Operand.of(q), ks = Operand.of(k), vs = Operand.of(v), os = Operand.of(out), ds = Operand.of(dout);
        Operand ls = Operand.of(lse.unsqueeze(-1)); // (..., Lq, 1): a row of one per query
        float[] bias = maskBias(keyMask, n);
        // Only a causal call leaves key rows for later query blocks to add into (see Block#backward);
        // otherwise every element is written, and zeroing 6 MiB at L = D = 64 took about 3% of the call.
        float[] dq = gradient(causal, n.b() * n.lq() * n.d()), dk = gradient(causal, n.b() * n.lk() * n.d()),
                dv = gradient(causal, n.b() * n.lk() * n.dv());
        eachBatch(n, () -> new Block(n, bias, causal, scale, true), (w, b) -> {
            w.load(qs, ks, vs, ds, b);
            w.backward(b, os, ls, dq, dk, dv);
        });
        return new Backend.AttentionGrads(new HeapStorage(dq), new HeapStorage(dk), new HeapStorage(dv));
    }

    /** A gradient output: zeroed when the backward adds into it (see the call), else as it comes. */
    private static float[] gradient(boolean zeroed, int size) {
        return zeroed ? TensorScope.zeroArray(size) : TensorScope.array(size);
    }

    private interface BatchStep {
        void run(Block w, int b);
    }

    /** Runs {@code step} for every batch, each thread taking the next one as it finishes, with its own scratch. */
    private static void eachBatch(Dims n, Supplier<Block> scratch, BatchStep step) {
        AtomicInteger next = new AtomicInteger();
        Parallel.range(Math.min(Parallel.threads(), n.b()), (t0, t1) -> {
            Block w = scratch.get();
            for (int b; (b = next.getAndIncrement()) < n.b(); ) step.run(w, b);
        });
    }

    static int roundUp(int x, int m) {
        return GemmPacking.panels(x, m) * m;
    }

    /**
     * An operand (..., L, W) as the blocks read it: its array, the first element of each batch (the
     * leading dims flattened in order) and the row stride. Any strides but W's, so a head split
     * (N, L, H, Dh) permuted to (N, H, L, Dh) is read in place: the blocks copy Q and dO and
     * transpose K and V per batch anyway, or read K and V rows at any stride. Where W's stride is
     * not 1 (with W > 1) the operand is copied dense first.
     */
    record Operand(float[] a, int[] base, int ld) {
        static Operand of(Tensor t) {
            int r = t.rank();
            if (t.dim(r - 1) > 1 && t.layout().stride(r - 1) != 1) t = t.contiguous();
            Layout l = t.layout();
            int[] base = Strided.offsets(Arrays.copyOf(l.shape(), r - 2), Arrays.copyOf(l.strides(), r - 2), l.offset());
            return new Operand(CpuAttention.data(t), base, l.stride(r - 2));
        }

        /** Element (row 0, column 0) of batch b. */
        int at(int b) {
            return base[b];
        }
    }

    /** One thread's scratch and the steps over one batch. */
    private static final class Block {
        final Dims n;
        final float[] bias;
        final boolean causal, direct;
        /** Backward: D from P and dP of each query block rather than from dO and O (see {@link #backward}). */
        final boolean dFromBlock;
        /** Backward: dK and dV are summed straight into the outputs (whole tiles and Lk a multiple of TR). */
        final boolean inPlace;
        final float scale;
        final int dP, dvP, lkP, qb;
        /** Copies of Q and dO (padded), K and V (padded; null when the inputs are used in place). */
        final float[] qc, kc, vc, dc;
        /** K^T (D x LkP) and V^T (Dv x LkP), columns past Lk zero. */
        final float[] kt, vt;
        /** Row reductions: LANES lane-wise partials of LANES rows, the folded max and sum. */
        final float[] red = new float[LANES * LANES], m = new float[LANES], l = new float[LANES];
        /** A batch of K or V as it is in the input, on the way to {@link #kt} or {@link #vt}. */
        final float[] stage;
        /** Score rows of one query block: S then P; dP then dS; O or dQ rows. */
        final float[] s, ds, o;
        /** Forward: 1/l of each row of the block (0 for a row that sees nothing). */
        final float[] inv;
        /** dK, dV of the batch (Lk rounded to TR rows), D = rowsum(dO * O) of its rows. */
        final float[] dkS, dvS, di;
        /** The current batch's Q, K, V, dO: array, offset of row 0, row stride. */
        float[] qa, ka, va, da;
        int qo, ko, vo, dOff, ldq, ldk, ldv, ldo;

        Block(Dims n, float[] bias, boolean causal, float scale, boolean backward) {
            this.n = n;
            this.bias = bias;
            this.causal = causal;
            this.scale = scale;
            dP = roundUp(n.d(), NR);
            dvP = roundUp(n.dv(), NR);
            lkP = roundUp(n.lk(), NR);
            qb = Math.min(roundUp(n.lq(), TR), Math.max(TR, BLOCK_FLOATS / lkP / TR * TR));
            direct = n.lq() % TR == 0 && n.d() == dP && n.dv() == dvP;
            inPlace = direct && n.lk() % TR == 0;
            dFromBlock = n.lk() <= n.dv();
            int lq8 = roundUp(n.lq(), TR), lk8 = roundUp(n.lk(), TR);
            qc = new float[lq8 * dP];
            kc = direct ? null : new float[n.lk() * dP];
            vc = direct ? null : new float[n.lk() * dvP];
            dc = backward ? new float[lq8 * dvP] : null;
            kt = new float[n.d() * lkP];
            stage = new float[n.lk() * (backward ? Math.max(n.d(), n.dv()) : n.d())];
            vt = backward ? new float[n.dv() * lkP] : null;
            s = new float[qb * lkP];
            ds = backward ? new float[qb * lkP] : null;
            o = new float[qb * Math.max(dP, dvP)];
            inv = new float[qb];
            dkS = backward && !inPlace ? new float[lk8 * dP] : null;
            dvS = backward && !inPlace ? new float[lk8 * dvP] : null;
            di = backward ? new float[n.lq()] : null;
        }

        /**
         * Points the operands at batch b and transposes K (and V for the backward). Q and dO are
         * always copied (padded if need be): read in row order by a plain copy, the hardware
         * prefetcher streams them in, where the products' first reads of them (eight rows at a time,
         * a float of each) stall on memory; the copies made the call 5-10% faster at L = D = 64
         * (one thread, both forms interleaved in one JVM) and changed nothing at L = 256, D = 32.
         * K and V are read in place when whole tiles: their transposes have already brought them in.
         */
        void load(Operand q, Operand k, Operand v, Operand dout, int b) {
            int kBase = k.at(b), vBase = v.at(b);
            copyRows(q.a(), q.at(b), q.ld(), n.lq(), n.d(), qc, dP);
            qa = qc; qo = 0; ldq = dP;
            if (direct) {
                ka = k.a(); ko = kBase; ldk = k.ld();
                va = v.a(); vo = vBase; ldv = v.ld();
            } else {
                copyRows(k.a(), kBase, k.ld(), n.lk(), n.d(), kc, dP);
                copyRows(v.a(), vBase, v.ld(), n.lk(), n.dv(), vc, dvP);
                ka = kc; va = vc;
                ko = vo = 0;
                ldk = dP;
                ldv = dvP;
            }
            transposeBatch(k.a(), kBase, k.ld(), n.d(), kt);
            if (dout == null) return;
            transposeBatch(v.a(), vBase, v.ld(), n.dv(), vt);
            copyRows(dout.a(), dout.at(b), dout.ld(), n.lq(), n.dv(), dc, dvP);
            da = dc; dOff = 0; ldo = dvP;
        }

        /**
         * {@code dst} (cols x LkP) = the transpose of the batch's (Lk x cols) rows at {@code base}, by way
         * of a plain copy into {@link #stage}: this is where K and V are first read, and in row order
         * the hardware prefetcher streams them in; transposing straight from the input measured about
         * 8% slower over a whole call at L = D = 64 (paired runs, one JVM).
         */
        void transposeBatch(float[] src, int base, int ld, int cols, float[] dst) {
            copyRows(src, base, ld, n.lk(), cols, stage, cols);
            Transpose.transpose(stage, 0, cols, n.lk(), cols, dst, 0, lkP);
        }

        /** Keys the rows {@code [i0, i0+rows)} can see at most: all, or up to the last row's causal limit. */
        int keyEnd(int i0, int rows) {
            return causal ? Math.max(0, Math.min(n.lk(), i0 + rows + n.off())) : n.lk();
        }

        /** Output rows and lse of batch b, one query block at a time: S, softmax, then O = P V scaled by 1/l into out. */
        void forward(int b, float[] out, float[] lse) {
            for (int i0 = 0; i0 < n.lq(); i0 += qb) {
                int rows = Math.min(qb, n.lq() - i0), rowsP = roundUp(rows, TR);
                int keyEnd = keyEnd(i0, rows);
                AttentionTile.nn(rowsP, roundUp(keyEnd, NR), n.d(), qa, qo + i0 * ldq, ldq, kt, 0, lkP, s, 0, lkP, false);
                softmaxRows(b, i0, rows, keyEnd, lse);
                AttentionTile.nn(rowsP, dvP, keyEnd, s, 0, lkP, va, vo, ldv, o, 0, dvP, false);
                for (int r = 0; r < rows; r++) scaleInto(o, r * dvP, out, (b * n.lq() + i0 + r) * n.dv(), n.dv(), inv[r]);
            }
        }

        /**
         * Softmax of the block's score rows {@code [0, rows)} over keys {@code [0, keyEnd)} in place,
         * without the 1/l: writes lse and {@link #inv}. Rows go in groups of LANES: each row leaves
         * its lane-wise max (then sum) in {@link #red} and the group's rows are folded together after,
         * so the folds of different rows overlap instead of each row waiting on a chain of lane
         * shuffles ({@code VecMath.maxLanes}, {@code sumLanes}) between its two passes. At L = D = 64
         * the per-row form took as long as both products of the forward.
         */
        void softmaxRows(int b, int i0, int rows, int keyEnd, float[] lse) {
            int width = roundUp(keyEnd, LANES);
            for (int g = 0; g < rows; g += LANES) {
                int gr = Math.min(LANES, rows - g);
                for (int r = g; r < g + gr; r++) {
                    int limit = visible(causal, i0 + r + n.off() + 1, keyEnd);
                    scaleMaskLanes(s, r * lkP, limit, width, scale, bias, b * n.lk(), red, (r - g) * LANES);
                }
                foldRows(true, m);
                for (int r = g; r < g + gr; r++) {
                    if (m[r - g] == Float.NEGATIVE_INFINITY) { // sees no key: P row 0
                        Arrays.fill(s, r * lkP, r * lkP + width, 0f);
                        Arrays.fill(red, (r - g) * LANES, (r - g + 1) * LANES, 0f);
                    } else {
                        expLanes(s, r * lkP, width, m[r - g], red, (r - g) * LANES);
                    }
                }
                foldRows(false, l);
                // lse = m + log(l) and 1/l for the group's rows at once (-inf and 0 for a row that sees
                // nothing), written over m and l, then the group's rows copied out; a StrictMath.log
                // per row took 0.4 us of a 12 us batch at L = D = 64.
                FloatVector mv = FloatVector.fromArray(SPECIES, m, 0), lv = FloatVector.fromArray(SPECIES, l, 0);
                VectorMask<Float> unseen = mv.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY);
                mv.add(VecMath.log(lv)).blend(Float.NEGATIVE_INFINITY, unseen).intoArray(m, 0);
                lv.broadcast(1f).div(lv).blend(0f, unseen).intoArray(l, 0);
                System.arraycopy(m, 0, lse, b * n.lq() + i0 + g, gr);
                System.arraycopy(l, 0, inv, g, gr);
            }
        }

        /**
         * {@code out[r]} = the max (or the sum) of row r of {@link #red}, for all LANES rows: with
         * 16 lanes the pairwise folds of {@link Transpose#foldRows} (the forward at L = D = 64 went
         * 4-6% faster than with the scalar loop below, a fold of 16 dependent steps per row, paired
         * rounds in one JVM), otherwise that loop, lanes in ascending order.
         */
        void foldRows(boolean max, float[] out) {
            if (LANES == Transpose.BLOCK) {
                Transpose.foldRows(red, 0, max, out, 0);
                return;
            }
            for (int r = 0; r < LANES; r++) {
                float acc = red[r * LANES];
                for (int t = 1; t < LANES; t++) acc = max ? Math.max(acc, red[r * LANES + t]) : acc + red[r * LANES + t];
                out[r] = acc;
            }
        }

        /**
         * {@code dst[dOff+i]} = rowsum(x * y) over the first {@code len} columns of rows i < rows (row
         * strides ldx, ldy), a group of LANES rows per {@link #foldRows}, the tail past the last whole
         * vector added after in column order.
         */
        void rowDots(float[] x, int xo, int ldx, float[] y, int yo, int ldy, int rows, int len, float[] dst, int dOff) {
            int bound = SPECIES.loopBound(len);
            for (int g = 0; g < rows; g += LANES) {
                int gr = Math.min(LANES, rows - g);
                for (int i = g; i < g + gr; i++) {
                    FloatVector acc = FloatVector.zero(SPECIES);
                    for (int t = 0; t < bound; t += LANES) {
                        FloatVector xv = FloatVector.fromArray(SPECIES, x, xo + i * ldx + t);
                        acc = xv.fma(FloatVector.fromArray(SPECIES, y, yo + i * ldy + t), acc);
                    }
                    acc.intoArray(red, (i - g) * LANES);
                }
                foldRows(false, l);
                for (int i = g; i < g + gr; i++) {
                    float sum = l[i - g];
                    for (int t = bound; t < len; t++) sum += x[xo + i * ldx + t] * y[yo + i * ldy + t];
                    dst[dOff + i] = sum;
                }
            }
        }

        /**
         * Gradients of batch b into dq, dk, dv. With whole tiles (and Lk a multiple of TR) the
         * products write and sum straight into them: dQ rows are stored, and the first query block
         * stores its dK and dV rows, the later ones add to them, so with a causal mask (the first
         * block then sees fewer than Lk keys) dk and dv must be zero on entry; otherwise into padded
         * scratch, copied out at the end. Every element is written either way.
         */
        void backward(int b, Operand out, Operand lse, float[] dq, float[] dk, float[] dv) {
            // D = rowsum(dO * O) = rowsum(P * dP) (O = P V, dP = dO V^T). With no more keys than Dv
            // the second is no more work and is in L1 with each query block, where O must come from
            // memory (5% of the backward at L = D = 64); with many keys (L = 256, D = 32) it is 8x
            // the work, so there D comes from O, for the whole batch before the blocks.
            if (!dFromBlock) rowDots(da, dOff, ldo, out.a(), out.at(b), out.ld(), n.lq(), n.dv(), di, 0);
            float[] dkC = inPlace ? dk : dkS, dvC = inPlace ? dv : dvS, dqC = direct ? dq : o;
            int dkO = inPlace ? b * n.lk() * n.d() : 0, dvO = inPlace ? b * n.lk() * n.dv() : 0;
            if (!inPlace) {
                Arrays.fill(dkS, 0f);
                Arrays.fill(dvS, 0f);
            }
            for (int i0 = 0; i0 < n.lq(); i0 += qb) {
                int rows = Math.min(qb, n.lq() - i0), rowsP = roundUp(rows, TR);
                int keyEnd = keyEnd(i0, rows), kRows = roundUp(keyEnd, TR), cols = roundUp(keyEnd, NR);
                // The first block stores its dK, dV rows rather than adding them to the outputs' zeros:
                // one block a batch at L = 64, and those zeros would come from memory.
                boolean sum = i0 > 0 || !inPlace;
                AttentionTile.nn(rowsP, cols, n.d(), qa, qo + i0 * ldq, ldq, kt, 0, lkP, s, 0, lkP, false);
                // P over kRows columns: dV and dK below have a row per key up to kRows, so columns past
                // what a row sees must be exactly 0 there.
                for (int r = 0; r < rows; r++) {
                    float rowLse = lse.a()[lse.at(b) + (i0 + r) * lse.ld()];
                    if (rowLse == Float.NEGATIVE_INFINITY) {
                        Arrays.fill(s, r * lkP, r * lkP + kRows, 0f);
                        continue;
                    }
                    probRow(s, r * lkP, visible(causal, i0 + r + n.off() + 1, keyEnd), kRows, scale, bias, b * n.lk(), rowLse);
                }
                int dRow = dOff + i0 * ldo;
                // dV += P^T dO
                AttentionTile.tn(kRows, dvP, rows, s, 0, lkP, da, dRow, ldo, dvC, dvO, dvP, sum);
                // dP = dO V^T, then dS = P (dP - D) scale in place
                AttentionTile.nn(rowsP, cols, n.dv(), da, dRow, ldo, vt, 0, lkP, ds, 0, lkP, false);
                if (dFromBlock) rowDots(s, 0, lkP, ds, 0, lkP, rows, kRows, di, i0);
                for (int r = 0; r < rows; r++) softmaxGrad(s, ds, r * lkP, kRows, di[i0 + r], scale);
                // dK += dS^T Q
                AttentionTile.tn(kRows, dP, rows, ds, 0, lkP, qa, qo + i0 * ldq, ldq, dkC, dkO, dP, sum);
                // dQ = dS K
                int dqO = direct ? (b * n.lq() + i0) * n.d() : 0;
                AttentionTile.nn(rowsP, dP, keyEnd, ds, 0, lkP, ka, ko, ldk, dqC, dqO, dP, false);
                if (!direct) for (int r = 0; r < rows; r++) System.arraycopy(o, r * dP, dq, (b * n.lq() + i0 + r) * n.d(), n.d());
            }
            if (inPlace) return;
            for (int j = 0; j < n.lk(); j++) {
                System.arraycopy(dkS, j * dP, dk, (b * n.lk() + j) * n.d(), n.d());
                System.arraycopy(dvS, j * dvP, dv, (b * n.lk() + j) * n.dv(), n.dv());
            }
        }
    }

    /**
     * {@code dst} rows of width {@code ld} from {@code rows x cols} at {@code base}, source rows
     * {@code srcLd} apart; the padding is never written, so stays 0.
     */
    static void copyRows(float[] src, int base, int srcLd, int rows, int cols, float[] dst, int ld) {
        if (cols == ld && cols == srcLd) {
            System.arraycopy(src, base, dst, 0, rows * cols);
            return;
        }
        for (int r = 0; r < rows; r++) System.arraycopy(src, base + r * srcLd, dst, r * ld, cols);
    }

    /** {@code dst[d+t] = src[s+t] * f} for t < n. */
    static void scaleInto(float[] src, int s, float[] dst, int d, int n, float f) {
        int t = 0;
        for (int bound = SPECIES.loopBound(n); t < bound; t += LANES) {
            FloatVector.fromArray(SPECIES, src, s + t).mul(f).intoArray(dst, d + t);
        }
        for (; t < n; t++) dst[d + t] = src[s + t] * f;
    }

    /**
     * {@code s[o+t] = scale*s[o+t] + bias[bo+t]} for t < limit (as {@link CpuAttention#scaleMask}) and
     * -inf for limit <= t < width; the lane-wise max into {@code red[ro..ro+LANES)}. {@code width} is
     * a multiple of LANES. This and {@link #expLanes} store their partials rather than return a
     * vector: C2 often does not inline them into the softmax ("callee is too large"), and a
     * FloatVector returned from a call that is not inlined is boxed on the heap; storing them made
     * the forward about 17% faster at L = 256, D = 32 (one thread, interleaved with the returning form).
     */
    static void scaleMaskLanes(float[] s, int o, int limit, int width, float scale, float[] bias, int bo, float[] red, int ro) {
        FloatVector vmax = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        int t = 0;
        for (int bound = SPECIES.loopBound(limit); t < bound; t += LANES) {
            FloatVector x = FloatVector.fromArray(SPECIES, s, o + t).mul(scale);
            if (bias != null) x = x.add(FloatVector.fromArray(SPECIES, bias, bo + t));
            x.intoArray(s, o + t);
            vmax = vmax.max(x);
        }
        for (int u = t; u < limit; u++) s[o + u] = s[o + u] * scale + (bias == null ? 0f : bias[bo + u]);
        Arrays.fill(s, o + limit, o + width, Float.NEGATIVE_INFINITY);
        (t < width ? vmax.max(FloatVector.fromArray(SPECIES, s, o + t)) : vmax).intoArray(red, ro);
    }

    /**
     * {@code s[o+t] = exp(s[o+t] - m)} for t < width (a multiple of LANES, m finite); the lane-wise
     * sum into {@code red[ro..ro+LANES)}.
     */
    static void expLanes(float[] s, int o, int width, float m, float[] red, int ro) {
        FloatVector sum = FloatVector.zero(SPECIES);
        for (int t = 0; t < width; t += LANES) {
            FloatVector x = VecMath.exp(FloatVector.fromArray(SPECIES, s, o + t).sub(m));
            x.intoArray(s, o + t);
            sum = sum.add(x);
        }
        sum.intoArray(red, ro);
    }
}
