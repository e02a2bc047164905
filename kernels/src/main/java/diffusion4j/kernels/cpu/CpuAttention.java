package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmKernel.LANES;
import static diffusion4j.kernels.cpu.GemmKernel.MR;
import static diffusion4j.kernels.cpu.GemmKernel.NR;
import static diffusion4j.kernels.cpu.GemmKernel.SPECIES;
import static diffusion4j.kernels.cpu.GemmPacking.panels;

import diffusion4j.tensor.AttentionShape;
import diffusion4j.tensor.Backend;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import jdk.incubator.vector.FloatVector;

/**
 * Flash attention (FlashAttention-2, Dao 2023) on the SGEMM micro-kernel: the L x L score matrix is
 * never materialized, only BQ x BK tiles of it.
 *
 * <p>Forward: one task per (batch, block of BQ queries). For each block of BK keys, S = Q K^T and
 * O += P V run as {@link Gemm#block} products over packed panels, between them an online softmax
 * (running row max m and sum l, Algorithm 1 of the paper) rescales O. K^T and V are packed once per
 * batch and shared by all query blocks; the Q block is packed once and reused over all key blocks.
 *
 * <p>Backward (Algorithm 2): one task per (batch, block of BK keys), looping over query blocks:
 * P = exp(scale S - lse) is recomputed from the saved lse, then dV += P^T dO, dP = dO V^T,
 * dS = P (dP - D) scale with D = rowsum(dO * O), dK += dS^T Q, dQ += dS K. dK and dV belong to the
 * task; dQ is summed in a per-thread copy of the batch, kept when the thread moves on, and the kept
 * pieces are added into the result after all tasks, ordered by where each thread's range starts:
 * a fixed order, so the bits do not depend on which thread finishes first. Causal tasks skip blocks that see nothing, and the block order is
 * interleaved (first, last, second, ...) so the contiguous ranges of {@link Parallel} get equal work.
 *
 * <p>Scratch tiles are padded to whole MR x NR tiles (packing zero-fills), so every product is
 * a grid of full micro-kernel tiles.
 *
 * <p>Short key sequences with at least a batch per thread (the UNet's heads, L = 64 and 256) go
 * instead to {@link CpuAttentionRows}: whole score rows in L1, unpacked operands, one task per
 * batch ({@link #rowsPath}). This flash path stays for long sequences and for few batches, where
 * it can split one batch across threads.
 */
public final class CpuAttention {
    private CpuAttention() {}

    /** Query rows per block: a multiple of MR near 64. */
    static final int BQ = MR * Math.max(1, 64 / MR);
    /** Keys per block: a multiple of NR near 64. */
    static final int BK = NR * Math.max(1, 64 / NR);

    /** Sizes of one call: q (B, Lq, D), k (B, Lk, D), v (B, Lk, Dv). */
    record Dims(int b, int lq, int lk, int d, int dv) {
        static Dims of(Tensor q, Tensor k, Tensor v) {
            return of(AttentionShape.of(q, k, v));
        }

        static Dims of(AttentionShape s) {
            return new Dims(s.b(), s.lq(), s.lk(), s.d(), s.dv());
        }

        int dPad() { return panels(d, NR) * NR; }
        int dvPad() { return panels(dv, NR) * NR; }
        /** Causal offset: query i sees keys j <= i + off. */
        int off() { return lk - lq; }
    }

    /**
     * @param q       (..., Lq, D), any strides ({@link CpuAttentionRows} reads views in place, the
     *                flash path makes dense copies of them)
     * @param k       (..., Lk, D), any strides
     * @param v       (..., Lk, Dv), any strides
     * @param keyMask (B, Lk) or null; keys where it is 0 are ignored
     * @return out (B, Lq, Dv), lse (B, Lq) with -inf (and output 0) for rows that see no key
     */
    public static Backend.AttentionOutput forward(Tensor q, Tensor k, Tensor v, Tensor keyMask, boolean causal, float scale) {
        return rowsPath(Dims.of(q, k, v)) ? CpuAttentionRows.forward(q, k, v, keyMask, causal, scale)
                : forwardFlash(q, k, v, keyMask, causal, scale);
    }

    /**
     * Whether a call runs on {@link CpuAttentionRows} (whole key rows, one task per batch): short key
     * sequences with a batch per thread at least; otherwise the flash path, which also splits a batch
     * across threads.
     */
    static boolean rowsPath(Dims n) {
        return n.b() >= Parallel.threads() && CpuAttentionRows.applies(n);
    }

    /** {@link #forward} on the flash path whatever the sizes. */
    static Backend.AttentionOutput forwardFlash(Tensor q, Tensor k, Tensor v, Tensor keyMask, boolean causal, float scale) {
        AttentionShape.Dense in = AttentionShape.Dense.forward(q, k, v);
        Dims n = Dims.of(in.shape());
        float[] qs = data(in.q()), ks = data(in.k()), vs = data(in.v()), bias = maskBias(keyMask, n);
        int qo = in.q().layout().offset(), ko = in.k().layout().offset(), vo = in.v().layout().offset();
        int kPanels = panels(n.lk, NR), ktSize = kPanels * NR * n.d, vSize = n.dvPad() * n.lk;
        float[] kt = new float[n.b * ktSize], vp = new float[n.b * vSize];
        Parallel.range(n.b, (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                GemmPacking.packBPanels(0, kPanels, n.lk, n.d, ks, ko + b * n.lk * n.d, 1, n.d, kt, b * ktSize);
                GemmPacking.packBPanels(0, n.dvPad() / NR, n.dv, n.lk, vs, vo + b * n.lk * n.dv, n.dv, 1, vp, b * vSize);
            }
        });
        float[] out = TensorScope.array(n.b * n.lq * n.dv), lse = TensorScope.array(n.b * n.lq);
        int nQb = panels(n.lq, BQ);
        Parallel.range(n.b * nQb, (u0, u1) -> {
            Forward f = new Forward(n, causal, scale, bias);
            for (int u = u0; u < u1; u++) {
                int b = u / nQb, i0 = interleaved(u % nQb, nQb) * BQ;
                GemmPacking.packAPanels(0, panels(Math.min(BQ, n.lq - i0), MR), Math.min(BQ, n.lq - i0), n.d,
                        qs, qo + (b * n.lq + i0) * n.d, n.d, 1, f.qa, 0);
                f.run(b, i0, kt, b * ktSize, vp, b * vSize, out, lse);
            }
        });
        return new Backend.AttentionOutput(new HeapStorage(out), new HeapStorage(lse));
    }

    /** Scratch and steps of the forward pass for one thread. */
    private static final class Forward {
        final Dims n;
        final boolean causal;
        final float scale;
        final float[] bias, qa, s, pa, o, m, l, tile = new float[MR * NR];

        Forward(Dims n, boolean causal, float scale, float[] bias) {
            this.n = n;
            this.causal = causal;
            this.scale = scale;
            this.bias = bias;
            qa = new float[BQ * n.d];
            s = new float[BQ * BK];
            pa = new float[BQ * BK];
            o = new float[BQ * n.dvPad()];
            m = new float[BQ];
            l = new float[BQ];
        }

        /** Output rows {@code [i0, i0+bq)} of batch b, from the packed Q block in {@link #qa}. */
        void run(int b, int i0, float[] kt, int ktOff, float[] vp, int vOff, float[] out, float[] lse) {
            int bq = Math.min(BQ, n.lq - i0), rows = panels(bq, MR) * MR, dvPad = n.dvPad();
            Arrays.fill(o, 0f);
            Arrays.fill(m, Float.NEGATIVE_INFINITY);
            Arrays.fill(l, 0f);
            int keyEnd = causal ? Math.min(n.lk, i0 + bq + n.off()) : n.lk;
            for (int j0 = 0; j0 < keyEnd; j0 += BK) {
                int bk = Math.min(BK, n.lk - j0), bkPad = panels(bk, NR) * NR;
                Gemm.block(rows, bkPad, n.d, qa, 0, MR * n.d, kt, ktOff + j0 * n.d, NR * n.d, s, 0, BK, false,
                        0, rows / MR, 0, bkPad / NR, tile);
                for (int r = 0; r < bq; r++) {
                    int so = r * BK, limit = visible(causal, i0 + r + n.off() - j0 + 1, bk);
                    float mNew = Math.max(m[r], scaleMask(s, so, limit, bk, scale, bias, b * n.lk + j0));
                    if (mNew == Float.NEGATIVE_INFINITY) { // nothing visible yet: this block adds nothing
                        Arrays.fill(s, so, so + bk, 0f);
                        continue;
                    }
                    // StrictMath rather than Math (here and below): pure Java, so no JIT tier can change its bits.
                    float alpha = (float) StrictMath.exp(m[r] - mNew);
                    l[r] = l[r] * alpha + expSub(s, so, bk, mNew);
                    m[r] = mNew;
                    if (alpha != 1f) scaleRow(o, r * dvPad, dvPad, alpha);
                }
                GemmPacking.packAPanels(0, rows / MR, bq, bk, s, 0, BK, 1, pa, 0);
                Gemm.block(rows, dvPad, bk, pa, 0, MR * bk, vp, vOff + j0 * NR, NR * n.lk, o, 0, dvPad, true,
                        0, rows / MR, 0, dvPad / NR, tile);
            }
            for (int r = 0; r < bq; r++) {
                int row = b * n.lq + i0 + r;
                boolean seen = l[r] > 0;
                lse[row] = seen ? m[r] + (float) StrictMath.log(l[r]) : Float.NEGATIVE_INFINITY;
                float inv = seen ? 1f / l[r] : 0f;
                for (int e = 0; e < n.dv; e++) out[row * n.dv + e] = o[r * dvPad + e] * inv;
            }
        }
    }

    /**
     * Gradients of {@link #forward} from its saved out and lse.
     *
     * @param out  (..., Lq, Dv) and lse (..., Lq), as forward returned them; dout (..., Lq, Dv); all of
     *             these, and q, k, v, any strides
     * @return dq (B, Lq, D), dk (B, Lk, D), dv (B, Lk, Dv)
     */
    public static Backend.AttentionGrads backward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dout,
                                                  Tensor keyMask, boolean causal, float scale) {
        return rowsPath(Dims.of(q, k, v)) ? CpuAttentionRows.backward(q, k, v, out, lse, dout, keyMask, causal, scale)
                : backwardFlash(q, k, v, out, lse, dout, keyMask, causal, scale);
    }

    /** {@link #backward} on the flash path whatever the sizes. */
    static Backend.AttentionGrads backwardFlash(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dout,
                                                Tensor keyMask, boolean causal, float scale) {
        AttentionShape.Dense in = AttentionShape.Dense.backward(q, k, v, out, lse, dout);
        Dims n = Dims.of(in.shape());
        float[] dq = TensorScope.zeroArray(n.b * n.lq * n.d), dk = TensorScope.zeroArray(n.b * n.lk * n.d), dv = TensorScope.zeroArray(n.b * n.lk * n.dv);
        Src[] src = {Src.of(in.q()), Src.of(in.k()), Src.of(in.v()), Src.of(in.out()), Src.of(in.lse()), Src.of(in.dout())};
        float[] bias = maskBias(keyMask, n);
        int nKb = panels(n.lk, BK);
        Map<Integer, List<DqPiece>> pieces = new ConcurrentSkipListMap<>(); // by range start
        Parallel.range(n.b * nKb, (u0, u1) -> {
            Backward w = new Backward(n, src, bias, causal, scale);
            for (int u = u0; u < u1; u++) {
                int b = u / nKb;
                if (b != w.batch) w.startBatch(b);
                w.keyBlock(interleaved(u % nKb, nKb) * BK, dk, dv);
            }
            w.flush();
            pieces.put(u0, w.pieces);
        });
        for (List<DqPiece> list : pieces.values()) {
            for (DqPiece piece : list) {
                for (int i = 0; i < n.lq; i++) {
                    for (int e = 0, o = (piece.batch() * n.lq + i) * n.d; e < n.d; e++) dq[o + e] += piece.rows()[i * n.dPad() + e];
                }
            }
        }
        return new Backend.AttentionGrads(new HeapStorage(dq), new HeapStorage(dk), new HeapStorage(dv));
    }

    /** One thread's dQ sum over its key blocks of one batch, rows of width dPad. */
    private record DqPiece(int batch, float[] rows) {}

    /** A contiguous operand: its array and start offset. */
    record Src(float[] a, int off) {
        static Src of(Tensor t) {
            return new Src(data(t), t.layout().offset());
        }
    }

    /** Scratch and steps of the backward pass for one thread. */
    private static final class Backward {
        final Dims n;
        final Src q, k, v, out, lse, dout;
        final float[] bias;
        final boolean causal;
        final float scale;
        /** Per batch: Q and dO packed as A panels (MR rows) and as B panels (NR columns), D = rowsum(dO*O), dQ sum. */
        final float[] qa, qb, doa, dob, di, dqPart;
        /** Per key block: K^T, V^T and K as B panels; dK and dV sums. */
        final float[] kt, vt, kb, dk, dv;
        /** Per block pair: P, dP then dS (BQ x BK), a packed A operand. */
        final float[] p, dp, pa, tile = new float[MR * NR];
        int batch = -1;
        /** dQ sums of the batches this thread finished, in the order it did them. */
        final List<DqPiece> pieces = new ArrayList<>();

        Backward(Dims n, Src[] src, float[] bias, boolean causal, float scale) {
            this.n = n;
            q = src[0];
            k = src[1];
            v = src[2];
            out = src[3];
            lse = src[4];
            dout = src[5];
            this.bias = bias;
            this.causal = causal;
            this.scale = scale;
            int lqRows = panels(n.lq, MR) * MR, bkRows = panels(BK, MR) * MR;
            qa = new float[lqRows * n.d];
            qb = new float[n.dPad() * n.lq];
            doa = new float[lqRows * n.dv];
            dob = new float[n.dvPad() * n.lq];
            di = new float[n.lq];
            dqPart = new float[lqRows * n.dPad()];
            kt = new float[BK * n.d];
            vt = new float[BK * n.dv];
            kb = new float[n.dPad() * BK];
            dk = new float[bkRows * n.dPad()];
            dv = new float[bkRows * n.dvPad()];
            p = new float[BQ * BK];
            dp = new float[BQ * BK];
            pa = new float[bkRows * Math.max(BQ, BK)];
        }

        /** Keeps this thread's dQ of the current batch, then packs batch b's Q and dO. */
        void startBatch(int b) {
            flush();
            batch = b;
            int qOff = q.off + b * n.lq * n.d, dOff = dout.off + b * n.lq * n.dv, oOff = out.off + b * n.lq * n.dv;
            GemmPacking.packAPanels(0, panels(n.lq, MR), n.lq, n.d, q.a, qOff, n.d, 1, qa, 0);
            GemmPacking.packBPanels(0, n.dPad() / NR, n.d, n.lq, q.a, qOff, n.d, 1, qb, 0);
            GemmPacking.packAPanels(0, panels(n.lq, MR), n.lq, n.dv, dout.a, dOff, n.dv, 1, doa, 0);
            GemmPacking.packBPanels(0, n.dvPad() / NR, n.dv, n.lq, dout.a, dOff, n.dv, 1, dob, 0);
            for (int i = 0; i < n.lq; i++) {
                double s = 0;
                for (int e = 0; e < n.dv; e++) s += (double) dout.a[dOff + i * n.dv + e] * out.a[oOff + i * n.dv + e];
                di[i] = (float) s;
            }
        }

        void flush() {
            if (batch < 0) return;
            pieces.add(new DqPiece(batch, dqPart.clone()));
            Arrays.fill(dqPart, 0f);
            batch = -1;
        }

        /** dK and dV of keys {@code [j0, j0+bk)} of the current batch; adds their share of dQ to {@link #dqPart}. */
        void keyBlock(int j0, float[] dkOut, float[] dvOut) {
            int bk = Math.min(BK, n.lk - j0), bkPad = panels(bk, NR) * NR, bkRows = panels(bk, MR) * MR;
            int dPad = n.dPad(), dvPad = n.dvPad(), kOff = k.off + (batch * n.lk + j0) * n.d, vOff = v.off + (batch * n.lk + j0) * n.dv;
            GemmPacking.packBPanels(0, bkPad / NR, bk, n.d, k.a, kOff, 1, n.d, kt, 0);
            GemmPacking.packBPanels(0, bkPad / NR, bk, n.dv, v.a, vOff, 1, n.dv, vt, 0);
            GemmPacking.packBPanels(0, dPad / NR, n.d, bk, k.a, kOff, n.d, 1, kb, 0);
            Arrays.fill(dk, 0f);
            Arrays.fill(dv, 0f);
            int first = causal ? Math.max(0, j0 - n.off()) / BQ * BQ : 0;
            for (int i0 = first; i0 < n.lq; i0 += BQ) {
                int bq = Math.min(BQ, n.lq - i0), rows = panels(bq, MR) * MR;
                Gemm.block(rows, bkPad, n.d, qa, i0 * n.d, MR * n.d, kt, 0, NR * n.d, p, 0, BK, false, 0, rows / MR, 0, bkPad / NR, tile);
                for (int r = 0; r < bq; r++) {
                    float rowLse = lse.a[lse.off + batch * n.lq + i0 + r];
                    if (rowLse == Float.NEGATIVE_INFINITY) {
                        Arrays.fill(p, r * BK, r * BK + bk, 0f);
                        continue;
                    }
                    probRow(p, r * BK, visible(causal, i0 + r + n.off() - j0 + 1, bk), bk, scale, bias, batch * n.lk + j0, rowLse);
                }
                // dV += P^T dO
                GemmPacking.packAPanels(0, bkRows / MR, bk, bq, p, 0, 1, BK, pa, 0);
                Gemm.block(bkRows, dvPad, bq, pa, 0, MR * bq, dob, i0 * NR, NR * n.lq, dv, 0, dvPad, true, 0, bkRows / MR, 0, dvPad / NR, tile);
                // dP = dO V^T, then dS = P (dP - D) scale in place
                Gemm.block(rows, bkPad, n.dv, doa, i0 * n.dv, MR * n.dv, vt, 0, NR * n.dv, dp, 0, BK, false, 0, rows / MR, 0, bkPad / NR, tile);
                for (int r = 0; r < bq; r++) softmaxGrad(p, dp, r * BK, bk, di[i0 + r], scale);
                // dK += dS^T Q
                GemmPacking.packAPanels(0, bkRows / MR, bk, bq, dp, 0, 1, BK, pa, 0);
                Gemm.block(bkRows, dPad, bq, pa, 0, MR * bq, qb, i0 * NR, NR * n.lq, dk, 0, dPad, true, 0, bkRows / MR, 0, dPad / NR, tile);
                // dQ += dS K
                GemmPacking.packAPanels(0, rows / MR, bq, bk, dp, 0, BK, 1, pa, 0);
                Gemm.block(rows, dPad, bk, pa, 0, MR * bk, kb, 0, NR * bk, dqPart, i0 * dPad, dPad, true, 0, rows / MR, 0, dPad / NR, tile);
            }
            for (int r = 0; r < bk; r++) {
                System.arraycopy(dk, r * dPad, dkOut, (batch * n.lk + j0 + r) * n.d, n.d);
                System.arraycopy(dv, r * dvPad, dvOut, (batch * n.lk + j0 + r) * n.dv, n.dv);
            }
        }
    }

    /** {@code dp[o+t] = p[o+t] * (dp[o+t] - d) * scale} for t < n. */
    static void softmaxGrad(float[] p, float[] dp, int o, int n, float d, float scale) {
        int t = 0;
        for (int bound = SPECIES.loopBound(n); t < bound; t += LANES) {
            FloatVector x = FloatVector.fromArray(SPECIES, dp, o + t).sub(d).mul(FloatVector.fromArray(SPECIES, p, o + t));
            x.mul(scale).intoArray(dp, o + t);
        }
        for (; t < n; t++) dp[o + t] = p[o + t] * (dp[o + t] - d) * scale;
    }

    // ---- shared row steps ---------------------------------------------------------------------

    /** How many leading keys of a block of {@code bk} a row sees: {@code causalCount} clamped, or all. */
    static int visible(boolean causal, int causalCount, int bk) {
        return causal ? Math.max(0, Math.min(bk, causalCount)) : bk;
    }

    /**
     * {@code s[o+t] = scale*s[o+t] + bias[bo+t]} for t < limit and -inf for limit <= t < n; returns the max.
     */
    static float scaleMask(float[] s, int o, int limit, int n, float scale, float[] bias, int bo) {
        FloatVector vmax = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        int t = 0;
        for (int bound = SPECIES.loopBound(limit); t < bound; t += LANES) {
            FloatVector x = FloatVector.fromArray(SPECIES, s, o + t).mul(scale);
            if (bias != null) x = x.add(FloatVector.fromArray(SPECIES, bias, bo + t));
            x.intoArray(s, o + t);
            vmax = vmax.max(x);
        }
        float max = VecMath.maxLanes(vmax);
        for (; t < limit; t++) {
            float x = s[o + t] * scale + (bias == null ? 0f : bias[bo + t]);
            s[o + t] = x;
            max = Math.max(max, x);
        }
        if (limit < n) Arrays.fill(s, o + Math.max(0, limit), o + n, Float.NEGATIVE_INFINITY);
        return max;
    }

    /** {@code s[o+t] = exp(s[o+t] - sub)} for t < n ({@code sub} finite); returns their sum. */
    static float expSub(float[] s, int o, int n, float sub) {
        FloatVector sum = FloatVector.zero(SPECIES);
        int t = 0;
        for (int bound = SPECIES.loopBound(n); t < bound; t += LANES) {
            FloatVector x = VecMath.exp(FloatVector.fromArray(SPECIES, s, o + t).sub(sub));
            x.intoArray(s, o + t);
            sum = sum.add(x);
        }
        float total = VecMath.sumLanes(sum);
        for (; t < n; t++) {
            float x = (float) StrictMath.exp(s[o + t] - sub);
            s[o + t] = x;
            total += x;
        }
        return total;
    }

    /**
     * The backward's P from the saved lse, in one pass and with no reductions:
     * {@code s[o+t] = exp(scale*s[o+t] + bias[bo+t] - lse)} for t < limit, 0 for limit <= t < n.
     * The argument of exp is formed as {@link #scaleMask} then {@link #expSub} form it (scale, bias, then lse).
     */
    static void probRow(float[] s, int o, int limit, int n, float scale, float[] bias, int bo, float lse) {
        int t = 0;
        for (int bound = SPECIES.loopBound(limit); t < bound; t += LANES) {
            FloatVector x = FloatVector.fromArray(SPECIES, s, o + t).mul(scale);
            if (bias != null) x = x.add(FloatVector.fromArray(SPECIES, bias, bo + t));
            VecMath.exp(x.sub(lse)).intoArray(s, o + t);
        }
        for (; t < limit; t++) s[o + t] = (float) StrictMath.exp(s[o + t] * scale + (bias == null ? 0f : bias[bo + t]) - lse);
        if (limit < n) Arrays.fill(s, o + Math.max(0, limit), o + n, 0f);
    }

    /** {@code x[o..o+n) *= f}; n is a multiple of the vector length. */
    static void scaleRow(float[] x, int o, int n, float f) {
        for (int t = 0; t < n; t += LANES) FloatVector.fromArray(SPECIES, x, o + t).mul(f).intoArray(x, o + t);
    }

    /** Block order first, last, second, second-to-last, ...: causal work per block grows along the sequence. */
    static int interleaved(int i, int n) {
        return (i & 1) == 0 ? i / 2 : n - 1 - i / 2;
    }

    /** The key mask as an additive bias (B*Lk): 0 where a key counts, -inf where the mask is 0; null for no mask. */
    static float[] maskBias(Tensor keyMask, Dims n) {
        if (keyMask == null) return null;
        Layout l = keyMask.layout();
        if (l.rank() != 2 || l.dim(0) != n.b || l.dim(1) != n.lk) {
            throw new IllegalArgumentException("attention: keyMask " + Shapes.format(l.shape()) + " should be "
                    + Shapes.format(n.b, n.lk));
        }
        float[] m = data(keyMask), bias = new float[n.b * n.lk];
        for (int b = 0; b < n.b; b++) {
            for (int j = 0; j < n.lk; j++) {
                bias[b * n.lk + j] = m[l.offset() + b * l.stride(0) + j * l.stride(1)] == 0f ? Float.NEGATIVE_INFINITY : 0f;
            }
        }
        return bias;
    }

    static float[] data(Tensor t) {
        return HeapStorage.of(t.storage());
    }
}
