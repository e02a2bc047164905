package diffusion4j.kernels.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import diffusion4j.kernels.parity.Parity.Pair;
import diffusion4j.tensor.Backend.AttentionGrads;
import diffusion4j.tensor.Backend.AttentionOutput;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Storage;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * matmul and fused attention (forward and backward) against the reference: odd sizes, transposed
 * operands and broadcast batches for matmul; causal and key masks, Lq != Lk, and rows that see no
 * key at all (output 0, lse -inf) for attention.
 */
class MatmulAttentionParityTest {
    private static final double RTOL = 1e-4;

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void matmul(Device device) {
        int[][] bmkn = {{1, 1, 1, 1}, {1, 3, 7, 17}, {2, 7, 17, 33}, {3, 33, 100, 9}, {1, 65, 129, 67}};
        long seed = 1;
        for (int[] s : bmkn) {
            int bt = s[0], m = s[1], k = s[2], n = s[3];
            int[] out = {bt, m, n};
            double atol = 1e-4 * Math.sqrt(k);
            Pair a = Parity.randn(device, seed++, bt, m, k), b = Parity.randn(device, seed++, bt, k, n);
            String dims = Arrays.toString(s);
            Parity.close("matmul " + dims, device, out, atol, RTOL, be -> be.matmul(a.on(be), b.on(be)));
            // Transposed operands arrive as strides.
            Pair at = Parity.randn(device, seed++, bt, k, m).view(t -> t.transpose(1, 2));
            Pair btr = Parity.randn(device, seed++, bt, n, k).view(t -> t.transpose(1, 2));
            Parity.close("matmul transposed a and b " + dims, device, out, atol, RTOL, be -> be.matmul(at.on(be), btr.on(be)));
            // A batch stride of 0 broadcasts one matrix over the batch; b narrowed at an offset.
            Pair a1 = Parity.randn(device, seed++, 1, m, k).view(t -> t.expand(bt, m, k));
            Pair bn = Parity.randn(device, seed++, bt, k, n + 3).view(t -> t.narrow(2, 2, n));
            Parity.close("matmul broadcast a, narrowed b " + dims, device, out, atol, RTOL, be -> be.matmul(a1.on(be), bn.on(be)));
        }
    }

    /** Attention sizes: B, Lq, Lk, D, Dv. */
    private static final int[][] ATTENTION = {{1, 1, 1, 1, 1}, {2, 7, 7, 16, 16}, {2, 5, 9, 17, 3}, {3, 9, 4, 8, 33}, {1, 33, 70, 64, 64}};

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void attention(Device device) {
        long seed = 100;
        for (int[] s : ATTENTION) {
            int bt = s[0], lq = s[1], lk = s[2], d = s[3], dv = s[4];
            Pair q = Parity.randn(device, seed++, bt, lq, d), k = Parity.randn(device, seed++, bt, lk, d);
            Pair v = Parity.randn(device, seed++, bt, lk, dv), dout = Parity.randn(device, seed++, bt, lq, dv);
            // Key mask: batch 0 hides every third key; the last batch (when B > 1) hides every key,
            // so all its rows see nothing.
            float[] mask = new float[bt * lk];
            for (int b = 0; b < bt; b++) {
                for (int j = 0; j < lk; j++) mask[b * lk + j] = (b == bt - 1 && bt > 1) ? 0 : (j % 3 == 2 ? 0 : 1);
            }
            Pair keyMask = Parity.pair(device, mask, bt, lk);
            float scale = (float) (1 / Math.sqrt(d));
            for (boolean causal : new boolean[] {false, true}) {
                for (boolean masked : new boolean[] {false, true}) {
                    String what = "attention " + Arrays.toString(s) + " causal " + causal + " masked " + masked;
                    int[][] outs = {{bt, lq, dv}, {bt, lq}};
                    double atol = 1e-4 * Math.sqrt(lk);
                    Parity.closeAll(what, device, outs, new double[] {atol, atol}, RTOL, b -> {
                        AttentionOutput o = b.attention(q.on(b), k.on(b), v.on(b), masked ? keyMask.on(b) : null, causal, scale);
                        return new Storage[] {o.out(), o.lse()};
                    });
                    AttentionOutput o = Parity.reference().attention(q.ref(), k.ref(), v.ref(), masked ? keyMask.ref() : null, causal, scale);
                    Pair out = saved(device, o.out(), bt, lq, dv), lse = saved(device, o.lse(), bt, lq);
                    int[][] grads = {{bt, lq, d}, {bt, lk, d}, {bt, lk, dv}};
                    double gtol = 1e-4 * Math.sqrt(Math.max(lq, lk) * Math.max(d, dv));
                    Parity.closeAll(what + " backward", device, grads, new double[] {gtol, gtol, gtol}, RTOL, b -> {
                        AttentionGrads g = b.attentionBackward(q.on(b), k.on(b), v.on(b), out.on(b), lse.on(b), dout.on(b),
                                masked ? keyMask.on(b) : null, causal, scale);
                        return new Storage[] {g.dq(), g.dk(), g.dv()};
                    });
                }
            }
        }
    }

    /**
     * Attention on the views a multi-head layer passes: q, k, v and dout are (N, L, H*Dh) split into
     * heads and permuted to (N, H, L, Dh) (rows H*Dh apart, heads Dh apart), the saved out a permuted
     * (N, Lq, H, Dv) and lse a transposed (N, Lq, H). Sizes (N, H, Lq, Lk, Dh): whole tiles, so the
     * CPU's rows path reads K and V rows in place; odd sizes, copied; a long key sequence (the flash
     * path, on dense copies).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void attentionOnHeadSplitViews(Device device) {
        long seed = 300;
        for (int[] s : new int[][] {{2, 3, 16, 16, 32}, {2, 3, 9, 13, 7}, {1, 2, 5, 530, 8}}) {
            int n = s[0], h = s[1], lq = s[2], lk = s[3], dh = s[4], bt = n * h;
            Pair q = heads(Parity.randn(device, seed++, n, lq, h * dh), h), k = heads(Parity.randn(device, seed++, n, lk, h * dh), h);
            Pair v = heads(Parity.randn(device, seed++, n, lk, h * dh), h), dout = heads(Parity.randn(device, seed++, n, lq, h * dh), h);
            float[] mask = new float[bt * lk];
            for (int i = 0; i < mask.length; i++) mask[i] = i % 5 == 1 ? 0 : 1;
            Pair keyMask = Parity.pair(device, mask, bt, lk);
            float scale = (float) (1 / Math.sqrt(dh));
            for (boolean causal : new boolean[] {false, true}) {
                boolean masked = !causal;
                String what = "attention on head-split views " + Arrays.toString(s) + " causal " + causal + " masked " + masked;
                double atol = 1e-4 * Math.sqrt(lk);
                Parity.closeAll(what, device, new int[][] {{bt, lq, dh}, {bt, lq}}, new double[] {atol, atol}, RTOL, b -> {
                    AttentionOutput o = b.attention(q.on(b), k.on(b), v.on(b), masked ? keyMask.on(b) : null, causal, scale);
                    return new Storage[] {o.out(), o.lse()};
                });
                AttentionOutput o = Parity.reference().attention(q.ref(), k.ref(), v.ref(), masked ? keyMask.ref() : null, causal, scale);
                // The oracle itself reads the views as the dense copies they stand for.
                AttentionOutput dense = Parity.reference().attention(q.ref().contiguous(), k.ref().contiguous(), v.ref().contiguous(),
                        masked ? keyMask.ref() : null, causal, scale);
                assertArrayEquals(Parity.values(Parity.reference(), dense.out(), bt, lq, dh), Parity.values(Parity.reference(), o.out(), bt, lq, dh),
                        what + ": the reference on views and on dense copies");
                // The saved out and lse as views too: out from an (N, Lq, H, Dv) array, lse from an (N, Lq, H) one.
                float[] outs = Parity.values(Parity.reference(), o.out(), n, h, lq, dh), lses = Parity.values(Parity.reference(), o.lse(), n, h, lq);
                float[] outT = new float[outs.length], lseT = new float[lses.length];
                for (int a = 0; a < n; a++) {
                    for (int hh = 0; hh < h; hh++) {
                        for (int i = 0; i < lq; i++) {
                            lseT[(a * lq + i) * h + hh] = lses[(a * h + hh) * lq + i];
                            for (int e = 0; e < dh; e++) outT[((a * lq + i) * h + hh) * dh + e] = outs[((a * h + hh) * lq + i) * dh + e];
                        }
                    }
                }
                Pair out = Parity.pair(device, outT, n, lq, h, dh).view(t -> t.permute(0, 2, 1, 3));
                Pair lse = Parity.pair(device, lseT, n, lq, h).view(t -> t.transpose(1, 2));
                double gtol = 1e-4 * Math.sqrt(Math.max(lq, lk) * dh);
                Parity.closeAll(what + " backward", device, new int[][] {{bt, lq, dh}, {bt, lk, dh}, {bt, lk, dh}},
                        new double[] {gtol, gtol, gtol}, RTOL, b -> {
                            AttentionGrads g = b.attentionBackward(q.on(b), k.on(b), v.on(b), out.on(b), lse.on(b), dout.on(b),
                                    masked ? keyMask.on(b) : null, causal, scale);
                            return new Storage[] {g.dq(), g.dk(), g.dv()};
                        });
            }
        }
    }

    /** (N, L, H*Dh) as (N, H, L, Dh): a reshape then a permute, as MultiHeadAttention splits heads. */
    private static Pair heads(Pair x, int h) {
        return x.view(t -> t.reshape(t.dim(0), t.dim(1), h, t.dim(2) / h).permute(0, 2, 1, 3));
    }

    private static Pair saved(Device device, Storage s, int... shape) {
        return Parity.pair(device, Parity.values(Parity.reference(), s, shape), shape);
    }
}
