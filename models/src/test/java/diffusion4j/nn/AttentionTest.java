package diffusion4j.nn;

import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;

import static diffusion4j.nn.NnTesting.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * MultiHeadAttention with identity projections and zero biases reduces to the attention formula
 * per head, softmax(q_h k_h^T / sqrt(Dh)) v_h on the h-th slice of the features; the expected
 * values come from that formula in double.
 */
class AttentionTest {
    private static final int DIM = 4, HEADS = 2, DH = 2;

    private static MultiHeadAttention identityAttention() {
        MultiHeadAttention mha = new MultiHeadAttention(DIM, HEADS, DEV, new Generator(1));
        LinkedHashMap<String, Tensor> state = new LinkedHashMap<>();
        float[] eye = new float[DIM * DIM];
        for (int i = 0; i < DIM; i++) eye[i * DIM + i] = 1;
        for (String p : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
            state.put(p + ".weight", t(eye, DIM, DIM));
            state.put(p + ".bias", Tensor.zeros(DEV, DIM));
        }
        mha.loadStateDict(state, true);
        return mha;
    }

    /** softmax(q k^T / sqrt(Dh)) v per batch and head; mask[b][j] == 0 hides key j; causal hides j > i + lk - lq. */
    private static double[] formula(float[] x, float[] ctx, int b, int lq, int lk, float[] mask, boolean causal) {
        double[] out = new double[b * lq * DIM];
        for (int bi = 0; bi < b; bi++) for (int h = 0; h < HEADS; h++) for (int i = 0; i < lq; i++) {
            double[] s = new double[lk];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < lk; j++) {
                boolean hidden = (mask != null && mask[bi * lk + j] == 0) || (causal && j > i + lk - lq);
                double dot = 0;
                for (int d = 0; d < DH; d++) dot += x[(bi * lq + i) * DIM + h * DH + d] * ctx[(bi * lk + j) * DIM + h * DH + d];
                s[j] = hidden ? Double.NEGATIVE_INFINITY : dot / Math.sqrt(DH);
                max = Math.max(max, s[j]);
            }
            double z = 0;
            for (int j = 0; j < lk; j++) z += s[j] = Math.exp(s[j] - max);
            for (int d = 0; d < DH; d++) {
                double acc = 0;
                for (int j = 0; j < lk; j++) acc += s[j] / z * ctx[(bi * lk + j) * DIM + h * DH + d];
                out[(bi * lq + i) * DIM + h * DH + d] = acc;
            }
        }
        return out;
    }

    private static float[] input(int n, double phase) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) Math.sin(0.7 * i + phase) * 1.5f;
        return v;
    }

    @Test void selfAttentionIsTheFormulaPerHead() {
        float[] x = input(2 * 3 * DIM, 0);
        Variable y = identityAttention().forward(c(x, 2, 3, DIM));
        assertClose(formula(x, x, 2, 3, 3, null, false), new int[] {2, 3, DIM}, y.data(), 1e-5);
    }

    @Test void crossAttentionWithKeyMask() {
        float[] x = input(2 * 2 * DIM, 0), ctx = input(2 * 5 * DIM, 1.3);
        float[] mask = f(1, 1, 0, 1, 0, 1, 0, 0, 1, 1);
        Variable y = identityAttention().forward(c(x, 2, 2, DIM), c(ctx, 2, 5, DIM), t(mask, 2, 5), false);
        assertClose(formula(x, ctx, 2, 2, 5, mask, false), new int[] {2, 2, DIM}, y.data(), 1e-5);
    }

    @Test void causalSelfAttention() {
        float[] x = input(1 * 4 * DIM, 0.4);
        Variable y = identityAttention().forward(c(x, 1, 4, DIM), null, null, true);
        double[] expect = formula(x, x, 1, 4, 4, null, true);
        assertClose(expect, new int[] {1, 4, DIM}, y.data(), 1e-5);
        // The first query sees only the first key, so its output is that key's value.
        for (int d = 0; d < DIM; d++) assertEquals(x[d], expect[d], 1e-12);
    }

    @Test void parameterNamesAndShapeErrors() {
        MultiHeadAttention cross = new MultiHeadAttention(DIM, HEADS, 6, false, DEV, new Generator(2));
        assertEquals(java.util.List.of("q_proj.weight", "k_proj.weight", "v_proj.weight", "out_proj.weight", "out_proj.bias"),
                java.util.List.copyOf(cross.namedParameters().keySet()));
        assertArrayEquals(new int[] {DIM, 6}, cross.kProj().weight().shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cross.forward(c(input(8, 0), 1, 2, DIM), c(input(8, 0), 1, 2, DIM), null, false));
        assertTrue(e.getMessage().contains("context must be (B, L, 6)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MultiHeadAttention(6, 4, DEV, new Generator(0)));
        assertTrue(e.getMessage().contains("not divisible by 4 heads"), e.getMessage());
    }
}
