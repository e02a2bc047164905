package diffusion4j.tensor;

/**
 * The sizes of one fused-attention call, validated once for every backend: q (B, Lq, D),
 * k (B, Lk, D), v (B, Lk, Dv), as {@link Backend#attention} receives them.
 */
public record AttentionShape(int b, int lq, int lk, int d, int dv) {
    /** The sizes of q, k and v, or an error naming all three shapes when they do not fit together. */
    public static AttentionShape of(Tensor q, Tensor k, Tensor v) {
        int[] qs = q.shape(), ks = k.shape(), vs = v.shape();
        if (qs.length != 3 || ks.length != 3 || vs.length != 3 || ks[0] != qs[0] || vs[0] != qs[0]
                || ks[2] != qs[2] || vs[1] != ks[1]) {
            throw new IllegalArgumentException("attention: expected q (B, Lq, D), k (B, Lk, D), v (B, Lk, Dv), got "
                    + Shapes.format(qs) + ", " + Shapes.format(ks) + ", " + Shapes.format(vs));
        }
        return new AttentionShape(qs[0], qs[1], ks[1], qs[2], vs[2]);
    }

    /** With a causal mask, query i sees keys j <= i + causalOffset() (the last query sees every key). */
    public int causalOffset() {
        return lk - lq;
    }
}
