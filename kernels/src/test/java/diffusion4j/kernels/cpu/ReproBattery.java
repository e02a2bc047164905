package diffusion4j.kernels.cpu;

import diffusion4j.tensor.AdamUpdate;
import diffusion4j.tensor.BinaryOp;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Functional;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.UnaryOp;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A fixed battery of CPU kernels on fixed inputs, each result reduced to a 64-bit hash of its bits.
 * {@link CpuReproducibilityTest} runs it in its own (JIT-compiled) JVM and, through {@link #main},
 * in a child JVM under {@code -Xint}; equal hashes mean the bits do not depend on the JIT tier.
 *
 * <p>Sizes are small because the child interprets every Vector API call (roughly 1000x slower),
 * but odd (37, 19, 23, ...) so vector tails, masked loads and several rows are all exercised.
 * Inputs come from an integer LCG, not from the backend's own random kernels, so the inputs
 * themselves cannot differ between the two JVMs.
 */
public final class ReproBattery {
    private ReproBattery() {}

    private static final Device D = Device.CPU;

    /** Prints {@code name=hash} lines, one per battery entry, in a fixed order. */
    public static void main(String[] args) {
        for (Map.Entry<String, Long> e : run().entrySet()) System.out.println(e.getKey() + "=" + Long.toHexString(e.getValue()));
    }

    /** Every entry's hash, in insertion order. */
    public static Map<String, Long> run() {
        Map<String, Long> h = new LinkedHashMap<>();
        Tensor x = t(1, 4f, 0f, 203);                 // [-4, 4): odd length, so a vector tail
        // Part of the key, so a child that resolved Device.CPU to another backend cannot pass.
        h.put("backend " + x.backend(), 0L);
        Tensor wide = t(2, 30f, 0f, 203);             // [-30, 30): exp/tanh saturation, trig reduction
        Tensor pos = t(3, 2.9f, 3f, 203);             // (0.1, 5.9): log, sqrt, pow bases
        for (UnaryOp op : UnaryOp.values()) {
            put(h, "unary." + op, x.apply(op), wide.apply(op), pos.apply(op));
        }
        Tensor b = t(4, 3f, 0f, 203);
        for (BinaryOp op : BinaryOp.values()) put(h, "binary." + op, x.apply(op, b), pos.apply(op, b));

        Tensor r = t(5, 3f, 0f, 5, 37, 19);
        put(h, "sum", r.sum(0, false), r.sum(1, false), r.sum(2, false), r.sum(), r.sum(new int[] {0, 2}, false));
        put(h, "max", r.max(1, false), r.max(2, false), r.max(), r.min(2, false));
        put(h, "mean", r.mean(new int[] {0, 2}, false), r.mean(2, false));

        Tensor s = t(6, 6f, 0f, 7, 45), ds = t(7, 1f, 0f, 7, 45);
        Tensor st = t(8, 6f, 0f, 45, 7).transpose(0, 1); // rows strided in memory
        for (boolean log : new boolean[] {false, true}) {
            Tensor y = log ? s.logSoftmax(1) : s.softmax(1), y0 = log ? st.logSoftmax(0) : st.softmax(0);
            String n = log ? "logSoftmax" : "softmax";
            put(h, n, y, y0, log ? st.logSoftmax(1) : st.softmax(1));
            put(h, n + ".backward", wrap(s.backend().softmaxBackward(y, ds, 1, log), y),
                    wrap(s.backend().softmaxBackward(y0, ds, 0, log), y0));
        }

        Tensor gx = t(9, 2f, 0.5f, 2, 8, 5, 7), gg = t(10, 1f, 1f, 8), gb = t(11, 1f, 0f, 8), gdy = t(12, 1f, 0f, 2, 8, 5, 7);
        Functional.Norm gn = Functional.groupNorm(gx, 4, gg, gb, 1e-5f);
        Functional.NormGrads gnd = Functional.groupNormBackward(gdy, gx, gn.mean(), gn.rstd(), gg, 4);
        put(h, "groupNorm", gn.y(), gn.mean(), gn.rstd());
        put(h, "groupNorm.backward", gnd.dx(), gnd.dgamma(), gnd.dbeta());
        Tensor lx = t(13, 2f, -0.3f, 6, 45), lg = t(14, 1f, 1f, 45), lb = t(15, 1f, 0f, 45), ldy = t(16, 1f, 0f, 6, 45);
        Functional.Norm ln = Functional.layerNorm(lx, 1, lg, lb, 1e-5f);
        Functional.NormGrads lnd = Functional.layerNormBackward(ldy, lx, ln.mean(), ln.rstd(), lg);
        put(h, "layerNorm", ln.y(), ln.mean(), ln.rstd());
        put(h, "layerNorm.backward", lnd.dx(), lnd.dgamma(), lnd.dbeta());

        Tensor q = t(17, 1f, 0f, 2, 19, 16), k = t(18, 1f, 0f, 2, 23, 16), v = t(19, 1f, 0f, 2, 23, 16), dout = t(20, 1f, 0f, 2, 19, 16);
        for (boolean causal : new boolean[] {false, true}) {
            Functional.Attention at = Functional.attention(q, k, v, null, causal, 0.25f);
            Functional.AttentionGrads ag = Functional.attentionBackward(q, k, v, at.out(), at.lse(), dout, null, causal, 0.25f);
            String n = causal ? "attention.causal" : "attention";
            put(h, n, at.out(), at.lse());
            put(h, n + ".backward", ag.dq(), ag.dk(), ag.dv());
        }

        // whole tiles (Lq a multiple of 8, D a multiple of 32): the row path reads operands in place
        Tensor wq = t(31, 1f, 0f, 2, 16, 32), wk = t(32, 1f, 0f, 2, 16, 32), wv = t(33, 1f, 0f, 2, 16, 32), wd = t(34, 1f, 0f, 2, 16, 32);
        Functional.Attention wat = Functional.attention(wq, wk, wv, null, false, 0.125f);
        Functional.AttentionGrads wag = Functional.attentionBackward(wq, wk, wv, wat.out(), wat.lse(), wd, null, false, 0.125f);
        put(h, "attention.wholeTiles", wat.out(), wat.lse());
        put(h, "attention.wholeTiles.backward", wag.dq(), wag.dk(), wag.dv());

        AdamUpdate.Result adam = AdamUpdate.of(0.9, 0.999, 1e-8, 0.01, true, 1e-3, 3)
                .apply(t(35, 1f, 0f, 37, 5), t(36, 1f, 0f, 37, 5), t(37, 0.1f, 0f, 37, 5), t(38, 0.1f, 0f, 37, 5).square());
        put(h, "adam", adam.w(), adam.m(), adam.v());

        put(h, "matmul", t(21, 1f, 0f, 17, 33).matmul(t(22, 1f, 0f, 33, 21)));
        Tensor cx = t(23, 1f, 0f, 1, 3, 9, 9), cw = t(24, 1f, 0f, 4, 3, 3, 3);
        ConvParams p = ConvParams.of(1, 1);
        Tensor cy = Functional.conv2d(cx, cw, null, p), cdy = t(25, 1f, 0f, cy.shape());
        put(h, "conv2d", cy);
        put(h, "conv2d.backwardInput", Functional.conv2dBackwardInput(cdy, cw, cx.shape(), p));
        put(h, "conv2d.backwardWeight", Functional.conv2dBackwardWeight(cx, cdy, cw.shape(), p));
        return h;
    }

    /** Uniform values in [center - half, center + half) from a 64-bit LCG seeded by {@code seed}. */
    static Tensor t(long seed, float half, float center, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] a = new float[n];
        long s = seed * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < n; i++) {
            s = s * 6364136223846793005L + 1442695040888963407L;
            a[i] = center + half * (((s >>> 40) / (float) (1 << 24)) * 2 - 1);
        }
        return Tensor.of(D, a, shape);
    }

    private static Tensor wrap(diffusion4j.tensor.Storage st, Tensor like) {
        return Tensor.wrap(st, like.shape(), like.backend());
    }

    /**
     * FNV-1a over {@link Float#floatToIntBits} of every result: NaNs count as one value (their
     * payload is not a Java-visible result and x86 and the interpreter pick different ones).
     */
    private static void put(Map<String, Long> h, String name, Tensor... results) {
        long hash = 0xcbf29ce484222325L;
        for (Tensor r : results) {
            for (float f : r.toFloatArray()) {
                hash = (hash ^ Float.floatToIntBits(f)) * 0x100000001b3L;
            }
        }
        h.put(name, hash);
    }
}
