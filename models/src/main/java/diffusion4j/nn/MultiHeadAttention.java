package diffusion4j.nn;

import diffusion4j.autograd.NN;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Tensor;

/**
 * Multi-head attention (Vaswani et al. 2017, section 3.2.2): MultiHead(Q, K, V) =
 * Concat(head_1..head_h) W^O with head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V). Self-attention takes
 * queries, keys and values from x; cross-attention takes keys and values from a context (text tokens
 * in a diffusion UNet). The heads are split by reshaping, run through the fused
 * {@link NN#attention}, and merged by the output projection.
 *
 * <p>Parameters are named q_proj, k_proj, v_proj, out_proj (as in HF CLIP's attention), each a
 * {@link Linear} with PyTorch's default init.
 */
public final class MultiHeadAttention extends Layer {
    private final int dim, heads, headDim, contextDim;
    private final Linear q, k, v, out;

    /**
     * @param dim        embedding size of x (and of the output)
     * @param heads      number of heads; must divide {@code dim}
     * @param contextDim embedding size of the context for cross-attention ({@code dim} for self-attention)
     * @param bias       whether q/k/v projections have a bias (the output projection always has one)
     */
    public MultiHeadAttention(int dim, int heads, int contextDim, boolean bias, Device device, Generator gen) {
        if (heads <= 0 || dim % heads != 0) throw new IllegalArgumentException("MultiHeadAttention: dim " + dim + " not divisible by " + heads + " heads");
        this.dim = dim;
        this.heads = heads;
        this.headDim = dim / heads;
        this.contextDim = contextDim;
        this.q = registerModule("q_proj", new Linear(dim, dim, bias, device, gen));
        this.k = registerModule("k_proj", new Linear(contextDim, dim, bias, device, gen));
        this.v = registerModule("v_proj", new Linear(contextDim, dim, bias, device, gen));
        this.out = registerModule("out_proj", new Linear(dim, dim, true, device, gen));
    }

    /** Self-attention with biased projections. */
    public MultiHeadAttention(int dim, int heads, Device device, Generator gen) {
        this(dim, heads, dim, true, device, gen);
    }

    /** Self-attention, no mask, not causal. @param x (B, L, dim) @return (B, L, dim) */
    @Override public Variable forward(Variable x) {
        return forward(x, null, null, false);
    }

    /**
     * @param x       (B, Lq, dim): the queries (and keys/values when {@code context} is null)
     * @param context (B, Lk, contextDim) or null for self-attention
     * @param keyMask (B, Lk) or null: keys where it is 0 are ignored (padding)
     * @param causal  query i sees only keys j <= i + (Lk - Lq) (autoregressive text encoders)
     * @return (B, Lq, dim)
     */
    public Variable forward(Variable x, Variable context, Tensor keyMask, boolean causal) {
        Variable src = context == null ? x : context;
        requireShape("x", x, dim);
        requireShape(context == null ? "x" : "context", src, context == null ? dim : contextDim);
        if (src.dim(0) != x.dim(0)) {
            throw new IllegalArgumentException("MultiHeadAttention: batch of x (" + x.dim(0) + ") and context (" + src.dim(0) + ") differ");
        }
        int b = x.dim(0), lk = src.dim(1);
        Tensor mask = null;
        if (keyMask != null) {
            if (keyMask.rank() != 2 || keyMask.dim(0) != b || keyMask.dim(1) != lk) {
                throw new IllegalArgumentException("MultiHeadAttention: key mask must be (" + b + ", " + lk + "), got "
                        + java.util.Arrays.toString(keyMask.shape()));
            }
            mask = keyMask.unsqueeze(1); // (B, 1, Lk): the same keys are masked for every head
        }
        Variable o = NN.attention(splitHeads(q.forward(x)), splitHeads(k.forward(src)), splitHeads(v.forward(src)),
                mask, causal, (float) (1 / Math.sqrt(headDim)));
        return out.forward(mergeHeads(o));
    }

    /** (B, L, H*Dh) to (B, H, L, Dh). */
    private Variable splitHeads(Variable t) {
        return t.reshape(t.dim(0), t.dim(1), heads, headDim).permute(0, 2, 1, 3);
    }

    /** (B, H, L, Dh) to (B, L, H*Dh). */
    private Variable mergeHeads(Variable t) {
        return t.permute(0, 2, 1, 3).reshape(t.dim(0), t.dim(2), dim);
    }

    private void requireShape(String what, Variable t, int features) {
        if (t.rank() != 3 || t.dim(2) != features) {
            throw new IllegalArgumentException("MultiHeadAttention: " + what + " must be (B, L, " + features + "), got "
                    + java.util.Arrays.toString(t.shape()));
        }
    }

    public Linear qProj() { return q; }
    public Linear kProj() { return k; }
    public Linear vProj() { return v; }
    public Linear outProj() { return out; }
    public int heads() { return heads; }
}
