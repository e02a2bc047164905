package diffusion4j.tensor;

/**
 * What a compute backend implements: about twenty primitives plus the heavy fused ops, each with
 * its backward kernel. Everything else (mean, variance, gelu backward, losses, padding, pooling)
 * is composed from these in {@link Tensor}, so a new backend is small and every composite runs on it.
 *
 * <p>Conventions for every method:
 * <ul>
 *   <li>Inputs are {@link Tensor}s of this backend; a kernel reads {@code t.storage()} through
 *       {@code t.layout()} (shape, strides, offset). Unless a method says "contiguous", any strides
 *       may arrive, including 0 (broadcast).</li>
 *   <li>Outputs are new storages, dense row-major, of the shape the method documents. A kernel
 *       never writes to an input. The front end has validated shapes before calling.</li>
 *   <li>Index tensors are FLOAT32 holding integers (exact below 2^24).</li>
 * </ul>
 * There are no default methods: a backend that forgets an op does not compile. A backend that
 * delegates an op to another does it explicitly and says so once in its log.
 */
public interface Backend {
    String name();

    Device device();

    /**
     * Waits until every operation queued so far has finished. A backend that runs ops as they are
     * called (reference, cpu) returns at once; an asynchronous one (OpenCL) drains its queue.
     * Benchmarks and the profiler call it before reading a clock; results never need it, since
     * {@link #download} waits for what it reads.
     */
    void synchronize();

    // ---- storage ------------------------------------------------------------------------------

    /** A zero-filled storage of {@code length} elements. */
    Storage allocate(int length);

    /**
     * A storage holding {@code data}. The backend takes ownership: a heap backend may keep the
     * array itself, so the caller must not read or write it afterwards ({@link Tensor#of} passes a
     * private copy; {@link Tensor#adopt} passes a caller's fresh array without one).
     */
    Storage upload(float[] data);

    /** The elements of {@code x} in row-major order, as a new host array. */
    float[] download(Tensor x);

    /**
     * A new dense row-major storage holding the elements of {@code x} ({@link Tensor#contiguous()}
     * of a view). The copy writes every element, so unlike {@link #allocate} then {@link #copyInto}
     * the new storage need not be zero-filled first.
     */
    Storage contiguous(Tensor x);

    /** A storage of {@code length} elements all equal to {@code value}. */
    Storage full(int length, float value);

    /**
     * Writes the elements of {@code src} into the view {@code dst} (same shape) of storage
     * {@code dstStorage}, in place. Used only on storages the caller has just allocated, and by
     * optimizer steps on parameters.
     */
    void copyInto(Tensor src, Storage dstStorage, Layout dst);

    /** {@code length} draws of {@code kind} from the {@link Philox} stream at {@code (seed, offset)}. */
    Storage random(RandomKind kind, int length, long seed, long offset);

    // ---- elementwise and reductions -----------------------------------------------------------

    /** {@code op(x)}; output shape = x's shape. */
    Storage unary(UnaryOp op, Tensor x);

    /** {@code op(a, b)}; {@code a} and {@code b} have the same shape (broadcast by the caller). */
    Storage binary(BinaryOp op, Tensor a, Tensor b);

    /** {@code cond != 0 ? a : b}; all three have the same shape. */
    Storage where(Tensor cond, Tensor a, Tensor b);

    /**
     * Reduces {@code x} over {@code dims} (sorted, distinct, non-empty). Output shape: x's shape
     * with those dims set to 1.
     */
    Storage reduce(ReduceOp op, Tensor x, int[] dims);

    /**
     * Index of the first maximum ({@code op == MAX}) or minimum ({@code op == MIN}) along {@code dim}.
     * Output shape: x's shape with {@code dim} set to 1.
     */
    Storage argReduce(ReduceOp op, Tensor x, int dim);

    /**
     * torch.gather along {@code dim}: the output has index's shape, and the element at position p
     * is x at p with coordinate {@code dim} replaced by {@code index[p]} (for rank 3 and dim 1:
     * {@code out[i][j][k] = x[i][index[i][j][k]][k]}). {@code x} and {@code index} have the same
     * rank; along every dim but {@code dim}, index's size is at most x's.
     */
    Storage gather(Tensor x, int dim, Tensor index);

    /**
     * The adjoint of gather: a new storage of {@code shape}, zero except
     * {@code out[..index[p]..] += src[p]} over every position p of index (index and src have the same shape).
     */
    Storage scatterAdd(int[] shape, int dim, Tensor index, Tensor src);

    // ---- heavy ops ----------------------------------------------------------------------------

    /**
     * Batched matrix product. {@code a} is (B, M, K), {@code b} is (B, K, N), any strides (a batch
     * stride of 0 broadcasts; transposed operands arrive as strides, never copied). Output (B, M, N).
     */
    Storage matmul(Tensor a, Tensor b);

    /**
     * 2-D cross-correlation. x (N, C, H, W), w (O, C/groups, kH, kW), bias (O) or null; all
     * contiguous. Output (N, O, outH, outW).
     */
    Storage conv2d(Tensor x, Tensor w, Tensor bias, ConvParams p);

    /**
     * Gradient of conv2d with respect to its input (also transposed convolution's forward).
     * dy (N, O, outH, outW), w (O, C/groups, kH, kW), contiguous. Output {@code inputShape} (N, C, H, W).
     */
    Storage conv2dBackwardInput(Tensor dy, Tensor w, int[] inputShape, ConvParams p);

    /**
     * Gradient of conv2d with respect to its weight. x (N, C, H, W), dy (N, O, outH, outW),
     * contiguous. Output {@code weightShape} (O, C/groups, kH, kW).
     */
    Storage conv2dBackwardWeight(Tensor x, Tensor dy, int[] weightShape, ConvParams p);

    /**
     * Sliding windows (im2col): x (N, C, H, W) contiguous; output (N, C, kH*kW, outH, outW) where
     * positions in the padding read {@code padValue}. Pooling is built on this.
     */
    Storage unfold(Tensor x, int kH, int kW, ConvParams p, float padValue);

    /** The adjoint of unfold (col2im): cols (N, C, kH*kW, outH, outW) summed into {@code inputShape}. */
    Storage fold(Tensor cols, int[] inputShape, int kH, int kW, ConvParams p);

    /** Softmax (or log-softmax) along {@code dim}; output shape = x's shape. */
    Storage softmax(Tensor x, int dim, boolean log);

    /**
     * Gradient of softmax given its output y and the incoming gradient dy (same shape):
     * {@code y * (dy - sum(dy*y))}, or for log-softmax {@code dy - exp(y) * sum(dy)}.
     */
    Storage softmaxBackward(Tensor y, Tensor dy, int dim, boolean log);

    /**
     * Group norm without a copy of the mean-subtracted input: x (N, C, S) contiguous (S = spatial
     * size), gamma and beta (C) or null. Outputs y (N, C, S), mean and rstd (N, groups).
     */
    NormOutput groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, float eps);

    /** Gradients of groupNorm; dgamma and dbeta are null when gamma is null. */
    NormGrads groupNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma, int groups);

    /**
     * Layer norm over the last dim of x (R, D) contiguous; gamma and beta (D) or null.
     * Outputs y (R, D), mean and rstd (R).
     */
    NormOutput layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps);

    /** Gradients of layerNorm; dgamma and dbeta are null when gamma is null. */
    NormGrads layerNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma);

    /**
     * Fused scaled-dot-product attention, {@code softmax(scale * q k^T + mask) v}: q (..., Lq, D),
     * k (..., Lk, D), v (..., Lk, Dv), one rank of at least 3 whose leading dims, B of them in all,
     * are the batch ({@link AttentionShape}). Any strides: views such as a head split
     * (N, L, H, Dh) permuted to (N, H, L, Dh) come as they are, and a backend copies what its
     * kernels cannot read in place ({@link AttentionShape.Dense}). {@code keyMask} (B, Lk) or null:
     * keys where it is 0 are ignored. {@code causal}: query i sees keys j <= i + (Lk - Lq). A row
     * that sees no key gives 0. Outputs, dense: out (B, Lq, Dv) and the row log-sum-exp lse (B, Lq)
     * (-inf for rows that see no key).
     */
    AttentionOutput attention(Tensor q, Tensor k, Tensor v, Tensor keyMask, boolean causal, float scale);

    /**
     * Gradients of attention from the saved out (..., Lq, Dv) and lse (..., Lq); dout (..., Lq, Dv).
     * All any strides, as for {@link #attention}; dq, dk, dv dense, in q's, k's and v's sizes.
     */
    AttentionGrads attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dout,
                                     Tensor keyMask, boolean causal, float scale);

    // ---- optimizer ----------------------------------------------------------------------------

    /**
     * One fused Adam/AdamW update, elementwise as {@link AdamUpdate} spells it: w, g, m, v contiguous,
     * same shape. Outputs the new w, m and v as new storages (the inputs are not modified).
     */
    AdamOutput adam(Tensor w, Tensor g, Tensor m, Tensor v, AdamUpdate u);

    /** Outputs of a normalization kernel. */
    record NormOutput(Storage y, Storage mean, Storage rstd) {}

    /** Gradients of a normalization kernel; dgamma and dbeta null when there was no gamma. */
    record NormGrads(Storage dx, Storage dgamma, Storage dbeta) {}

    /** Outputs of the attention kernel. */
    record AttentionOutput(Storage out, Storage lse) {}

    /** Gradients of the attention kernel. */
    record AttentionGrads(Storage dq, Storage dk, Storage dv) {}

    /** Outputs of the fused optimizer update. */
    record AdamOutput(Storage w, Storage m, Storage v) {}
}
