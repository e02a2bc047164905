package diffusion4j.autograd.ops;

import diffusion4j.autograd.Function;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Functional;
import diffusion4j.tensor.Tensor;

/**
 * Fused scaled-dot-product attention; backward recomputes the probabilities from the saved
 * row log-sum-exp inside the backend kernel instead of storing the (Lq, Lk) matrix.
 */
public final class Attention extends Function {
    private final Tensor keyMask;
    private final boolean causal;
    private final float scale;
    private Tensor q, k, v;
    private Functional.Attention saved;

    private Attention(Tensor keyMask, boolean causal, float scale) {
        this.keyMask = keyMask;
        this.causal = causal;
        this.scale = scale;
    }

    /**
     * @param q (..., Lq, D); k (..., Lk, D); v (..., Lk, Dv)
     * @param keyMask null or broadcastable to (..., Lk); keys where it is 0 are ignored
     * @return (..., Lq, Dv)
     */
    public static Variable apply(Variable q, Variable k, Variable v, Tensor keyMask, boolean causal, float scale) {
        Attention f = new Attention(keyMask, causal, scale);
        return f.record(f.forward(q.data(), k.data(), v.data()), q, k, v);
    }

    private Tensor forward(Tensor tq, Tensor tk, Tensor tv) {
        q = tq;
        k = tk;
        v = tv;
        saved = Functional.attention(tq, tk, tv, keyMask, causal, scale);
        return saved.out();
    }

    @Override protected Tensor[] backward(Tensor g) {
        Functional.AttentionGrads d = Functional.attentionBackward(q, k, v, saved.out(), saved.lse(), g, keyMask, causal, scale);
        return grads(d.dq(), d.dk(), d.dv());
    }

    @Override protected void releaseSaved() {
        q = k = v = null;
        saved = null;
    }
}
