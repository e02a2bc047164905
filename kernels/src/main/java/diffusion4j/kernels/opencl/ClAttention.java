package diffusion4j.kernels.opencl;

import diffusion4j.tensor.AttentionShape;
import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;

/**
 * Flash attention on {@code attention.cl}: forward (online softmax over key tiles in local memory,
 * out and lse written, no Lq x Lk matrix in global memory) and backward (p recomputed from lse;
 * dQ by query blocks and dK/dV by key blocks in two kernels, so every sum has one owner and no
 * atomics are needed). A work-item holds its row of q (or k) and its accumulators in private
 * arrays sized by compile-time bounds, which limits the head sizes to {@link #MAX_HEAD}.
 */
public final class ClAttention {
    private ClAttention() {}

    /** Largest D and Dv the kernels take: private per-row arrays must have a compile-time bound. */
    public static final int MAX_HEAD = 128;

    /** Sizes of one call: q (B, Lq, D), k (B, Lk, D), v (B, Lk, Dv). */
    private record Dims(int b, int lq, int lk, int d, int dv) {
        static Dims of(AttentionShape s) {
            Dims n = new Dims(s.b(), s.lq(), s.lk(), s.d(), s.dv());
            if (n.d > MAX_HEAD || n.dv > MAX_HEAD) {
                throw new IllegalArgumentException("attention: the OpenCL kernels support head sizes up to " + MAX_HEAD
                        + ", got D=" + n.d + " and Dv=" + n.dv + "; run this op on the CPU backend or split the head");
            }
            return n;
        }
    }

    /** Build options and work-group size for one call. */
    private record Config(int wg, String options) {
        static Config of(ClRuntime rt, Dims n) {
            int wg = Math.max(1, Math.min(rt.tuning().get("attention.bq"), rt.info().maxWorkGroup()));
            int dMax = bound(n.d), dvMax = bound(n.dv), tile = Integer.highestOneBit(Math.max(1, rt.tuning().get("attention.bk")));
            // A power of two (the kernel steps through a tile SUB keys at a time). Local tiles: TILE rows of both operands plus two per-row scalars must fit the device.
            while (tile > 1 && 4L * tile * (dMax + dvMax + 2) > rt.info().localMemBytes()) tile /= 2;
            return new Config(wg, "-DWG=" + wg + " -DTILE=" + tile + " -DDMAX=" + dMax + " -DDVMAX=" + dvMax);
        }

        /** The private-array bound for a head size: 16, 32, 64 or 128 (few distinct programs). */
        static int bound(int d) {
            return Math.max(16, Integer.highestOneBit(Math.max(1, d - 1)) << 1);
        }

        long[] global(int rows, int batch) {
            return new long[] {(long) ClMatmul.ceilDiv(Math.max(rows, 1), wg) * wg, batch};
        }

        long[] local() {
            return new long[] {wg, 1};
        }
    }

    /**
     * @param q       (..., Lq, D), any strides (the kernels read dense copies of views)
     * @param k       (..., Lk, D), any strides
     * @param v       (..., Lk, Dv), any strides
     * @param keyMask (B, Lk) or null; keys where it is 0 are ignored
     * @return out (B, Lq, Dv), lse (B, Lq) with -inf (and output 0) for rows that see no key
     */
    public static Backend.AttentionOutput forward(ClRuntime rt, Tensor q, Tensor k, Tensor v, Tensor keyMask,
                                                  boolean causal, float scale) {
        AttentionShape.Dense in = AttentionShape.Dense.forward(q, k, v);
        Dims n = Dims.of(in.shape());
        Config cfg = Config.of(rt, n);
        ClStorage out = rt.allocate(n.b * n.lq * n.dv), lse = rt.allocate(n.b * n.lq);
        if (n.lq > 0 && n.b > 0) {
            rt.launch(rt.kernel("attention.cl", "attn_fwd", cfg.options), cfg.global(n.lq, n.b), cfg.local(),
                    concat(common(n, in.q(), in.k(), in.v(), keyMask, causal, scale), out, lse));
        }
        return new Backend.AttentionOutput(out, lse);
    }

    /**
     * Gradients of {@link #forward} from its saved out and lse.
     *
     * @param out  (..., Lq, Dv), as forward returned it
     * @param lse  (..., Lq), as forward returned it
     * @param dout (..., Lq, Dv); all of these, and q, k, v, any strides
     * @return dq (B, Lq, D), dk (B, Lk, D), dv (B, Lk, Dv)
     */
    public static Backend.AttentionGrads backward(ClRuntime rt, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                                  Tensor dout, Tensor keyMask, boolean causal, float scale) {
        AttentionShape.Dense in = AttentionShape.Dense.backward(q, k, v, out, lse, dout);
        Dims n = Dims.of(in.shape());
        Config cfg = Config.of(rt, n);
        ClStorage dq = rt.allocate(n.b * n.lq * n.d), dk = rt.allocate(n.b * n.lk * n.d), dv = rt.allocate(n.b * n.lk * n.dv);
        if (n.b == 0) return new Backend.AttentionGrads(dq, dk, dv);
        int rows = n.b * n.lq;
        ClStorage delta = rt.allocate(rows), douts = ClStorage.of(in.dout().storage()), lses = ClStorage.of(in.lse().storage());
        int doutOff = in.dout().layout().offset(), lseOff = in.lse().layout().offset();
        ClLaunch.perElement(rt, rt.kernel("attention.cl", "attn_delta", cfg.options), rows,
                rows, n.dv, ClStorage.of(in.out().storage()), in.out().layout().offset(), douts, doutOff, delta);
        Object[] common = common(n, in.q(), in.k(), in.v(), keyMask, causal, scale);
        if (n.lq > 0) {
            rt.launch(rt.kernel("attention.cl", "attn_bwd_dq", cfg.options), cfg.global(n.lq, n.b), cfg.local(),
                    concat(common, lses, lseOff, douts, doutOff, delta, dq));
        }
        if (n.lk > 0) {
            rt.launch(rt.kernel("attention.cl", "attn_bwd_dkv", cfg.options), cfg.global(n.lk, n.b), cfg.local(),
                    concat(common, lses, lseOff, douts, doutOff, delta, dk, dv));
        }
        return new Backend.AttentionGrads(dq, dk, dv);
    }

    /** The SIZES, QKV and MASK arguments every attention kernel starts with. */
    private static Object[] common(Dims n, Tensor q, Tensor k, Tensor v, Tensor keyMask, boolean causal, float scale) {
        ClStorage qs = ClStorage.of(q.storage());
        Object[] mask;
        if (keyMask == null) {
            mask = new Object[] {qs, 0, 0, 0, 0}; // never read: hasMask = 0
        } else {
            Layout l = keyMask.layout();
            if (l.rank() != 2 || l.dim(0) != n.b || l.dim(1) != n.lk) {
                throw new IllegalArgumentException("attention: keyMask " + Shapes.format(l.shape()) + " should be "
                        + Shapes.format(n.b, n.lk));
            }
            mask = new Object[] {ClStorage.of(keyMask.storage()), l.offset(), l.stride(0), l.stride(1), 1};
        }
        return concat(new Object[] {n.lq, n.lk, n.d, n.dv, scale, causal ? 1 : 0,
                qs, q.layout().offset(), ClStorage.of(k.storage()), k.layout().offset(),
                ClStorage.of(v.storage()), v.layout().offset()}, mask);
    }

    private static Object[] concat(Object[] head, Object... tail) {
        Object[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
