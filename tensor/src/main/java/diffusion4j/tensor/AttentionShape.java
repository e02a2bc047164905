package diffusion4j.tensor;

import java.util.Arrays;

/**
 * The sizes of one fused-attention call, validated once for every backend: q (..., Lq, D),
 * k (..., Lk, D), v (..., Lk, Dv) of one rank (at least 3) and the same leading (batch) dims, as
 * {@link Backend#attention} receives them; {@code b} is the product of the batch dims.
 */
public record AttentionShape(int b, int lq, int lk, int d, int dv) {
    /** The sizes of q, k and v, or an error naming all three shapes when they do not fit together. */
    public static AttentionShape of(Tensor q, Tensor k, Tensor v) {
        int[] qs = q.shape(), ks = k.shape(), vs = v.shape();
        int r = qs.length;
        if (r < 3 || ks.length != r || vs.length != r || !Arrays.equals(qs, 0, r - 2, ks, 0, r - 2)
                || !Arrays.equals(qs, 0, r - 2, vs, 0, r - 2) || ks[r - 1] != qs[r - 1] || vs[r - 2] != ks[r - 2]) {
            throw new IllegalArgumentException("attention: expected q (..., Lq, D), k (..., Lk, D), v (..., Lk, Dv) with the same "
                    + "batch dims, rank 3 or more, got " + Shapes.format(qs) + ", " + Shapes.format(ks) + ", " + Shapes.format(vs));
        }
        return new AttentionShape(Shapes.numel(Arrays.copyOf(qs, r - 2)), qs[r - 2], ks[r - 2], qs[r - 1], vs[r - 1]);
    }

    /** With a causal mask, query i sees keys j <= i + causalOffset() (the last query sees every key). */
    public int causalOffset() {
        return lk - lq;
    }

    /**
     * The operands of one call as dense tensors, for kernels that read only dense ones (the OpenCL
     * kernels, the CPU's flash path): q, k, v, out and dout (B, L, W), lse (B, Lq), each itself
     * reshaped when already dense, else a copy. out, lse and dout are null for a forward.
     */
    public record Dense(AttentionShape shape, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dout) {
        /** q, k, v of a forward, validated before anything is copied. */
        public static Dense forward(Tensor q, Tensor k, Tensor v) {
            return new Dense(of(q, k, v), rows(q), rows(k), rows(v), null, null, null);
        }

        /** The operands of a backward, q, k, v validated before anything is copied. */
        public static Dense backward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dout) {
            AttentionShape s = of(q, k, v);
            return new Dense(s, rows(q), rows(k), rows(v), rows(out), lse.contiguous().reshape(s.b(), s.lq()), rows(dout));
        }

        /** (..., L, W) as a dense (B, L, W). */
        private static Tensor rows(Tensor t) {
            int r = t.rank();
            return t.contiguous().reshape(Shapes.numel(Arrays.copyOf(t.shape(), r - 2)), t.dim(r - 2), t.dim(r - 1));
        }
    }
}
