package diffusion4j.tensor.reference;

import static diffusion4j.tensor.reference.RefTesting.assertClose;
import static diffusion4j.tensor.reference.RefTesting.backend;
import static diffusion4j.tensor.reference.RefTesting.checkDirectionalDerivative;
import static diffusion4j.tensor.reference.RefTesting.floats;
import static diffusion4j.tensor.reference.RefTesting.randomDoubles;
import static diffusion4j.tensor.reference.RefTesting.tensor;
import static diffusion4j.tensor.reference.RefTesting.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import diffusion4j.tensor.Backend;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Attention against hand values and the explicit softmax(scale q k^T + mask) v, and backward by finite differences. */
class RefAttentionTest {
    @Test void handValues() {
        // One query, two keys: scores 0 and ln 3 give weights 1/4, 3/4; v rows (4, 0), (0, 8) -> (1, 6); lse = ln 4.
        Backend.AttentionOutput o = backend().attention(tensor(floats(1), 1, 1, 1), tensor(floats(0, Math.log(3)), 1, 2, 1),
                tensor(floats(4, 0, 0, 8), 1, 2, 2), null, false, 1f);
        assertClose(floats(1, 6), values(o.out()), 1e-6);
        assertClose(floats(Math.log(4)), values(o.lse()), 1e-7);
    }

    @Test void causalAlignsTheLastQueryWithTheLastKey() {
        // Lq = 2, Lk = 3, q = 0 (uniform weights over what is seen), v = identity rows.
        // Offset Lk - Lq = 1: query 0 sees keys 0, 1; query 1 sees all three.
        Backend.AttentionOutput o = backend().attention(tensor(new float[2], 1, 2, 1), tensor(floats(1, 2, 3), 1, 3, 1),
                tensor(floats(1, 0, 0, 0, 1, 0, 0, 0, 1), 1, 3, 3), null, true, 1f);
        assertClose(floats(0.5, 0.5, 0, 1 / 3.0, 1 / 3.0, 1 / 3.0), values(o.out()), 1e-7);
        assertClose(floats(Math.log(2), Math.log(3)), values(o.lse()), 1e-7);
    }

    @Test void keyMaskHidesKeys() {
        // Batch 0 hides key 1, batch 1 hides every key: that row gives 0 and lse -inf.
        Backend.AttentionOutput o = backend().attention(tensor(new float[2], 2, 1, 1), tensor(new float[4], 2, 2, 1),
                tensor(floats(2, 8, 3, 5), 2, 2, 1), tensor(floats(1, 0, 0, 0), 2, 2), false, 1f);
        assertClose(floats(2, 0), values(o.out()), 0);
        assertEquals(0, values(o.lse())[0]);
        assertEquals(Float.NEGATIVE_INFINITY, values(o.lse())[1]);
    }

    @Test void matchesExplicitSoftmaxOfScaledScores() {
        Random r = new Random(1);
        RefAttention.Dims n = new RefAttention.Dims(2, 3, 5, 4, 2);
        double[] q = randomDoubles(r, 2 * 3 * 4), k = randomDoubles(r, 2 * 5 * 4), v = randomDoubles(r, 2 * 5 * 2);
        double[] mask = {1, 0, 1, 1, 1, 1, 1, 1, 0, 1};
        double scale = 0.5;
        for (boolean causal : new boolean[] {false, true}) {
            RefAttention.Out o = RefAttention.attention(q, k, v, mask, causal, scale, n);
            for (int b = 0; b < 2; b++) {
                for (int i = 0; i < 3; i++) {
                    double[] w = new double[5];
                    double total = 0;
                    for (int j = 0; j < 5; j++) {
                        boolean seen = mask[b * 5 + j] != 0 && (!causal || j <= i + 2);
                        double s = 0;
                        for (int t = 0; t < 4; t++) s += q[(b * 3 + i) * 4 + t] * k[(b * 5 + j) * 4 + t];
                        w[j] = seen ? Math.exp(scale * s) : 0;
                        total += w[j];
                    }
                    for (int t = 0; t < 2; t++) {
                        double expected = 0;
                        for (int j = 0; j < 5; j++) expected += w[j] / total * v[(b * 5 + j) * 2 + t];
                        assertEquals(expected, o.out()[(b * 3 + i) * 2 + t], 1e-12);
                    }
                    assertEquals(Math.log(total), o.lse()[b * 3 + i], 1e-12);
                }
            }
        }
    }

    @Test void backwardMatchesFiniteDifferences() {
        Random r = new Random(2);
        RefAttention.Dims n = new RefAttention.Dims(2, 3, 4, 5, 3);
        double[] q = randomDoubles(r, 2 * 3 * 5), k = randomDoubles(r, 2 * 4 * 5), v = randomDoubles(r, 2 * 4 * 3);
        double[] dout = randomDoubles(r, 2 * 3 * 3);
        double[] mask = {1, 1, 0, 1, 0, 1, 1, 1};
        double scale = 0.7;
        for (boolean causal : new boolean[] {false, true}) {
            RefAttention.Out o = RefAttention.attention(q, k, v, mask, causal, scale, n);
            RefAttention.Grads g = RefAttention.backward(q, k, v, o.out(), o.lse(), dout, mask, causal, scale, n);
            String c = causal ? " (causal)" : "";
            checkDirectionalDerivative("attention dq" + c, qq -> RefAttention.attention(qq, k, v, mask, causal, scale, n).out(), q, dout, g.dq(), r);
            checkDirectionalDerivative("attention dk" + c, kk -> RefAttention.attention(q, kk, v, mask, causal, scale, n).out(), k, dout, g.dk(), r);
            checkDirectionalDerivative("attention dv" + c, vv -> RefAttention.attention(q, k, vv, mask, causal, scale, n).out(), v, dout, g.dv(), r);
        }
    }

    @Test void rowsThatSeeNoKeyGetZeroGradient() {
        // Causal with Lq = 3 > Lk = 1: offset -2, so queries 0 and 1 see no key; only query 2 sees key 0.
        Random r = new Random(3);
        RefAttention.Dims n = new RefAttention.Dims(1, 3, 1, 2, 2);
        double[] q = randomDoubles(r, 6), k = randomDoubles(r, 2), v = randomDoubles(r, 2), dout = randomDoubles(r, 6);
        RefAttention.Out o = RefAttention.attention(q, k, v, null, true, 1, n);
        assertClose(new double[] {0, 0, 0, 0, v[0], v[1]}, o.out(), 1e-15);
        assertEquals(Double.NEGATIVE_INFINITY, o.lse()[0]);
        assertEquals(Double.NEGATIVE_INFINITY, o.lse()[1]);
        RefAttention.Grads g = RefAttention.backward(q, k, v, o.out(), o.lse(), dout, null, true, 1, n);
        // One visible key has weight 1 whatever the score, so dq and dk vanish; dv = dout of query 2.
        assertClose(new double[6], g.dq(), 1e-15);
        assertClose(new double[2], g.dk(), 1e-15);
        assertClose(new double[] {dout[4], dout[5]}, g.dv(), 1e-15);
    }

    @Test void backendBackwardDispatches() {
        // The hand case: p = (1/4, 3/4), dout = (1, 0): dv = p_j * dout; dP = (4, 0), D = dout.out = 1,
        // dS = p (dP - D) = (3/4, -3/4); dq = dS . k = -3/4 ln 3; dk = dS * q = (3/4, -3/4).
        var q = tensor(floats(1), 1, 1, 1);
        var k = tensor(floats(0, Math.log(3)), 1, 2, 1);
        var v = tensor(floats(4, 0, 0, 8), 1, 2, 2);
        Backend.AttentionOutput o = backend().attention(q, k, v, null, false, 1f);
        Backend.AttentionGrads g = backend().attentionBackward(q, k, v, tensor(values(o.out()), 1, 1, 2),
                tensor(values(o.lse()), 1, 1), tensor(floats(1, 0), 1, 1, 2), null, false, 1f);
        assertClose(floats(-0.75 * Math.log(3)), values(g.dq()), 1e-6);
        assertClose(floats(0.75, -0.75), values(g.dk()), 1e-6);
        assertClose(floats(0.25, 0, 0.75, 0), values(g.dv()), 1e-6);
    }

    /** The saved out and lse reach the backends as views, so Functional checks their shapes against q and v first. */
    @Test void functionalBackwardRejectsMisshapenSavedTensors() {
        var q = tensor(floats(1, 2), 1, 2, 1);
        var k = tensor(floats(0, 1, 2), 1, 3, 1);
        var v = tensor(floats(1, 2, 3, 4, 5, 6), 1, 3, 2);
        var out = tensor(new float[4], 1, 2, 2);
        var dout = tensor(new float[4], 1, 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> diffusion4j.tensor.Functional.attentionBackward(
                q, k, v, out, tensor(new float[3], 1, 3), dout, null, false, 1f));
        assertEquals("attentionBackward: lse has shape (1, 3), expected (1, 2)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> diffusion4j.tensor.Functional.attentionBackward(
                q, k, v, tensor(new float[2], 1, 2, 1), tensor(new float[2], 1, 2), dout, null, false, 1f));
        assertEquals("attentionBackward: out has shape (1, 2, 1), expected (1, 2, 2)", e.getMessage());
    }
}
