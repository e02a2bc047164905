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
     * An operand (..., L, W) as a dense (B, L, W) tensor: itself reshaped when already dense, else a
     * copy. For kernels that read only dense operands (the OpenCL kernels, the CPU's flash path).
     */
    public static Tensor dense(Tensor t) {
        int r = t.rank();
        return t.contiguous().reshape(Shapes.numel(Arrays.copyOf(t.shape(), r - 2)), t.dim(r - 2), t.dim(r - 1));
    }
}
