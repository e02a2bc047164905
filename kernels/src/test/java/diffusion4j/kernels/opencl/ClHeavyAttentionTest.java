package diffusion4j.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import diffusion4j.kernels.opencl.ClHeavyTesting.Pair;
import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Backend.AttentionGrads;
import diffusion4j.tensor.Backend.AttentionOutput;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Flash attention forward and backward against the reference's materialized softmax: causal
 * (offset Lk - Lq, with Lq below, equal to and above Lk, so some causal rows see no key), a key
 * mask that hides every third key and, in the last batch, every key (rows that see nothing: output
 * 0, lse -inf, zero gradients), sequence lengths spanning several work-groups and key tiles, and
 * head sizes up to the 128 limit; a head size past it is rejected with the limit in the message.
 */
@ExtendWith(OpenClAvailable.class)
class ClHeavyAttentionTest {
    /** B, Lq, Lk, D, Dv. */
    private static final int[][] SIZES = {{1, 1, 1, 1, 1}, {2, 7, 7, 16, 16}, {2, 5, 9, 17, 3}, {3, 9, 4, 8, 33},
            {2, 70, 37, 64, 64}, {1, 19, 100, 128, 100}};

    @Test
    void matchesReferenceWithMasksAndCausality() {
        OpenClBackend cl = ClHeavyTesting.backend();
        Backend ref = ClHeavyTesting.reference();
        long seed = 1;
        for (int[] s : SIZES) {
            int bt = s[0], lq = s[1], lk = s[2], d = s[3], dv = s[4];
            Pair q = ClHeavyTesting.randn(cl, seed++, bt, lq, d), k = ClHeavyTesting.randn(cl, seed++, bt, lk, d);
            Pair v = ClHeavyTesting.randn(cl, seed++, bt, lk, dv), dout = ClHeavyTesting.randn(cl, seed++, bt, lq, dv);
            float[] mask = new float[bt * lk];
            for (int b = 0; b < bt; b++) {
                for (int j = 0; j < lk; j++) mask[b * lk + j] = (b == bt - 1 && bt > 1) || j % 3 == 2 ? 0 : 1;
            }
            Pair keyMask = ClHeavyTesting.pair(cl, mask, bt, lk);
            float scale = (float) (1 / Math.sqrt(d));
            for (boolean causal : new boolean[] {false, true}) {
                for (boolean masked : new boolean[] {false, true}) {
                    String what = "attention " + Arrays.toString(s) + " causal " + causal + " masked " + masked;
                    Pair m = masked ? keyMask : null;
                    AttentionOutput e = ref.attention(q.ref(), k.ref(), v.ref(), m == null ? null : m.ref(), causal, scale);
                    AttentionOutput a = ClAttention.forward(cl.runtime(), q.cl(), k.cl(), v.cl(), m == null ? null : m.cl(), causal, scale);
                    double atol = 1e-4 * Math.sqrt(lk);
                    ClHeavyTesting.close(what + " out", cl, e.out(), a.out(), atol, bt, lq, dv);
                    ClHeavyTesting.close(what + " lse", cl, e.lse(), a.lse(), atol, bt, lq);
                    // Backward from the reference's saved out and lse, as autograd hands them over.
                    Pair out = saved(cl, e.out(), bt, lq, dv), lse = saved(cl, e.lse(), bt, lq);
                    AttentionGrads eg = ref.attentionBackward(q.ref(), k.ref(), v.ref(), out.ref(), lse.ref(), dout.ref(),
                            m == null ? null : m.ref(), causal, scale);
                    AttentionGrads ag = ClAttention.backward(cl.runtime(), q.cl(), k.cl(), v.cl(), out.cl(), lse.cl(), dout.cl(),
                            m == null ? null : m.cl(), causal, scale);
                    double gtol = 1e-4 * Math.sqrt(Math.max(lq, lk) * Math.max(d, dv));
                    ClHeavyTesting.close(what + " dq", cl, eg.dq(), ag.dq(), gtol, bt, lq, d);
                    ClHeavyTesting.close(what + " dk", cl, eg.dk(), ag.dk(), gtol, bt, lk, d);
                    ClHeavyTesting.close(what + " dv", cl, eg.dv(), ag.dv(), gtol, bt, lk, dv);
                }
            }
        }
    }

    @Test
    void headSizesPastTheLimitAreRejected() {
        OpenClBackend cl = ClHeavyTesting.backend();
        Pair q = ClHeavyTesting.randn(cl, 1, 1, 2, 129), k = ClHeavyTesting.randn(cl, 2, 1, 3, 129);
        Pair v = ClHeavyTesting.randn(cl, 3, 1, 3, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClAttention.forward(cl.runtime(), q.cl(), k.cl(), v.cl(), null, false, 1f));
        assertEquals("attention: the OpenCL kernels support head sizes up to 128, got D=129 and Dv=4;"
                + " run this op on the CPU backend or split the head", e.getMessage());
    }

    private static Pair saved(OpenClBackend cl, diffusion4j.tensor.Storage s, int... shape) {
        return ClHeavyTesting.pair(cl, ClHeavyTesting.values(ClHeavyTesting.reference(), s, shape), shape);
    }
}
