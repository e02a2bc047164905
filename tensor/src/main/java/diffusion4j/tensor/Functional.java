package diffusion4j.tensor;

import java.util.Arrays;

/**
 * Neural-network ops on plain tensors (torch.nn.functional's role): convolution, pooling,
 * normalization, attention, embedding, losses, dropout, and the backward forms of the fused
 * kernels, which the autograd module calls from its backward rules. Everything validates shapes
 * with errors that name the op and the shapes; nothing here tracks gradients.
 */
public final class Functional {
    private Functional() {}

    /** Outputs of a fused normalization: y, and per group/row mean and 1/sqrt(var + eps). */
    public record Norm(Tensor y, Tensor mean, Tensor rstd) {}

    /** Gradients of a fused normalization; dgamma and dbeta are null when there was no gamma. */
    public record NormGrads(Tensor dx, Tensor dgamma, Tensor dbeta) {}

    /** Outputs of fused attention: out (B, Lq, Dv) and row log-sum-exp lse (B, Lq). */
    public record Attention(Tensor out, Tensor lse) {}

    /** Gradients of fused attention. */
    public record AttentionGrads(Tensor dq, Tensor dk, Tensor dv) {}

    // ---- convolution ----------------------------------------------------------------------------

    /**
     * @param x    (N, C, H, W)
     * @param w    (O, C/groups, kH, kW)
     * @param bias (O) or null
     * @return (N, O, outH, outW)
     */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        int[] out = convOutputShape(x.shape(), w.shape(), bias == null ? null : bias.shape(), p);
        x.checkSameDevice(w, "conv2d");
        if (bias != null) x.checkSameDevice(bias, "conv2d");
        Backend b = x.backend();
        return Tensor.wrap(b.conv2d(x.contiguous(), w.contiguous(), bias == null ? null : bias.contiguous(), p), out, b);
    }

    /** Shape of conv2d's output, validating every input shape. */
    public static int[] convOutputShape(int[] x, int[] w, int[] bias, ConvParams p) {
        if (x.length != 4) throw new IllegalArgumentException("conv2d: input must be (N, C, H, W), got " + Shapes.format(x));
        if (w.length != 4) throw new IllegalArgumentException("conv2d: weight must be (O, C/groups, kH, kW), got " + Shapes.format(w));
        int g = p.groups();
        if (x[1] != w[1] * g) {
            throw new IllegalArgumentException("conv2d: input has " + x[1] + " channels but weight " + Shapes.format(w)
                    + " with groups=" + g + " expects " + w[1] * g);
        }
        if (w[0] % g != 0) throw new IllegalArgumentException("conv2d: " + w[0] + " output channels not divisible by groups=" + g);
        if (bias != null && (bias.length != 1 || bias[0] != w[0])) {
            throw new IllegalArgumentException("conv2d: bias must be (" + w[0] + ",), got " + Shapes.format(bias));
        }
        return new int[] {x[0], w[0], p.outH(x[2], w[2]), p.outW(x[3], w[3])};
    }

    /** Gradient of conv2d with respect to x of {@code inputShape}. dy (N, O, outH, outW). */
    public static Tensor conv2dBackwardInput(Tensor dy, Tensor w, int[] inputShape, ConvParams p) {
        int[] expect = convOutputShape(inputShape, w.shape(), null, p);
        if (!Arrays.equals(expect, dy.shape())) {
            throw new IllegalArgumentException("conv2dBackwardInput: dy " + Shapes.format(dy.shape()) + " does not match the conv output "
                    + Shapes.format(expect) + " of input " + Shapes.format(inputShape));
        }
        Backend b = dy.backend();
        return Tensor.wrap(b.conv2dBackwardInput(dy.contiguous(), w.contiguous(), inputShape.clone(), p), inputShape, b);
    }

    /** Gradient of conv2d with respect to its weight of {@code weightShape}. */
    public static Tensor conv2dBackwardWeight(Tensor x, Tensor dy, int[] weightShape, ConvParams p) {
        int[] expect = convOutputShape(x.shape(), weightShape, null, p);
        if (!Arrays.equals(expect, dy.shape())) {
            throw new IllegalArgumentException("conv2dBackwardWeight: dy " + Shapes.format(dy.shape()) + " does not match the conv output "
                    + Shapes.format(expect));
        }
        Backend b = x.backend();
        return Tensor.wrap(b.conv2dBackwardWeight(x.contiguous(), dy.contiguous(), weightShape.clone(), p), weightShape, b);
    }

    /**
     * Transposed convolution (the adjoint of conv2d), as torch's conv_transpose2d.
     *
     * @param x (N, Cin, H, W)
     * @param w (Cin, Cout/groups, kH, kW)
     * @param outputPadding added to one side of the output to pick among the sizes a strided conv maps to the same input size
     * @return (N, Cout, (H-1)*stride - 2*pad + dil*(kH-1) + outputPadding + 1, ...)
     */
    public static Tensor convTranspose2d(Tensor x, Tensor w, Tensor bias, ConvParams p, int outputPadding) {
        if (x.rank() != 4 || w.rank() != 4) {
            throw new IllegalArgumentException("convTranspose2d: expects x (N, Cin, H, W) and w (Cin, Cout/groups, kH, kW), got "
                    + Shapes.format(x.shape()) + " and " + Shapes.format(w.shape()));
        }
        if (outputPadding < 0 || (outputPadding >= p.strideH() && outputPadding >= p.dilationH())) {
            throw new IllegalArgumentException("convTranspose2d: output padding " + outputPadding + " must be smaller than stride or dilation");
        }
        int h = (x.dim(2) - 1) * p.strideH() - 2 * p.padH() + p.dilationH() * (w.dim(2) - 1) + outputPadding + 1;
        int wd = (x.dim(3) - 1) * p.strideW() - 2 * p.padW() + p.dilationW() * (w.dim(3) - 1) + outputPadding + 1;
        int[] out = {x.dim(0), w.dim(1) * p.groups(), h, wd};
        // With outputPadding >= stride (legal when below the dilation) the conv of `out` has more
        // positions than x; those extra positions scatter nothing, so x is zero-padded to match.
        int[] conv = convOutputShape(out, w.shape(), null, p);
        Tensor dy = conv[2] == x.dim(2) && conv[3] == x.dim(3) ? x : x.pad(new int[] {0, conv[3] - x.dim(3), 0, conv[2] - x.dim(2)}, 0f);
        Tensor y = conv2dBackwardInput(dy, w, out, p);
        return bias == null ? y : y.add(bias.reshape(1, -1, 1, 1));
    }

    // ---- pooling and resampling -----------------------------------------------------------------

    /** Sliding windows: (N, C, H, W) to (N, C, kH*kW, outH, outW); padding reads {@code padValue}. */
    public static Tensor unfold(Tensor x, int kH, int kW, ConvParams p, float padValue) {
        if (x.rank() != 4) throw new IllegalArgumentException("unfold: input must be (N, C, H, W), got " + Shapes.format(x.shape()));
        if (p.groups() != 1) throw new IllegalArgumentException("unfold: groups must be 1");
        int[] out = {x.dim(0), x.dim(1), kH * kW, p.outH(x.dim(2), kH), p.outW(x.dim(3), kW)};
        Backend b = x.backend();
        return Tensor.wrap(b.unfold(x.contiguous(), kH, kW, p, padValue), out, b);
    }

    /** The adjoint of unfold: sums windows (N, C, kH*kW, outH, outW) back into {@code inputShape}. */
    public static Tensor fold(Tensor cols, int[] inputShape, int kH, int kW, ConvParams p) {
        int[] expect = {inputShape[0], inputShape[1], kH * kW, p.outH(inputShape[2], kH), p.outW(inputShape[3], kW)};
        if (!Arrays.equals(expect, cols.shape())) {
            throw new IllegalArgumentException("fold: columns " + Shapes.format(cols.shape()) + " do not match " + Shapes.format(expect));
        }
        Backend b = cols.backend();
        return Tensor.wrap(b.fold(cols.contiguous(), inputShape.clone(), kH, kW, p), inputShape, b);
    }

    /** Max pooling over k x k windows; (N, C, H, W) to (N, C, outH, outW). Padding never wins. */
    public static Tensor maxPool2d(Tensor x, int k, int stride, int padding) {
        ConvParams p = ConvParams.of(stride, padding);
        return unfold(x, k, k, p, Float.NEGATIVE_INFINITY).max(2, false);
    }

    /** Average pooling; padded positions count as zeros (torch's count_include_pad=True). */
    public static Tensor avgPool2d(Tensor x, int k, int stride, int padding) {
        ConvParams p = ConvParams.of(stride, padding);
        return unfold(x, k, k, p, 0f).mean(2, false);
    }

    /** Nearest-neighbour upsampling by an integer factor: (N, C, H, W) to (N, C, H*s, W*s). */
    public static Tensor upsampleNearest(Tensor x, int scale) {
        if (x.rank() != 4) throw new IllegalArgumentException("upsampleNearest: input must be (N, C, H, W), got " + Shapes.format(x.shape()));
        if (scale < 1) throw new IllegalArgumentException("upsampleNearest: scale must be >= 1, got " + scale);
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        return x.reshape(n, c, h, 1, w, 1).expand(n, c, h, scale, w, scale).reshape(n, c, h * scale, w * scale);
    }

    // ---- normalization --------------------------------------------------------------------------

    /**
     * Group norm (Wu and He 2018, eq. 1-3): per sample, channels split into {@code groups}; each
     * group normalized by its mean and biased variance, then scaled by gamma and shifted by beta.
     *
     * @param x (N, C, *)
     * @param gamma (C) or null; beta (C) or null
     */
    public static Norm groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps) {
        if (x.rank() < 2) throw new IllegalArgumentException("groupNorm: input must be (N, C, ...), got " + Shapes.format(x.shape()));
        int n = x.dim(0), c = x.dim(1);
        if (groups <= 0 || c % groups != 0) {
            throw new IllegalArgumentException("groupNorm: " + c + " channels not divisible into " + groups + " groups");
        }
        checkAffine("groupNorm", gamma, beta, c);
        Backend b = x.backend();
        Tensor x3 = x.contiguous().reshape(n, c, -1);
        Backend.NormOutput o = b.groupNorm(x3, contig(gamma), contig(beta), groups, eps);
        return new Norm(Tensor.wrap(o.y(), x.shape(), b), Tensor.wrap(o.mean(), new int[] {n, groups}, b),
                Tensor.wrap(o.rstd(), new int[] {n, groups}, b));
    }

    /** Gradients of {@link #groupNorm} from its saved mean and rstd. */
    public static NormGrads groupNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma, int groups) {
        int n = x.dim(0), c = x.dim(1);
        requireShape("groupNormBackward", "dy", dy, x.shape());
        Backend b = x.backend();
        Backend.NormGrads g = b.groupNormBackward(dy.contiguous().reshape(n, c, -1), x.contiguous().reshape(n, c, -1),
                mean.contiguous(), rstd.contiguous(), contig(gamma), groups);
        return grads(g, x.shape(), gamma, b);
    }

    /**
     * Layer norm (Ba et al. 2016, eq. 3-4) over the last {@code normDims} dims of x.
     *
     * @param gamma, beta shaped like those last dims, or null
     */
    public static Norm layerNorm(Tensor x, int normDims, Tensor gamma, Tensor beta, float eps) {
        if (normDims < 1 || normDims > x.rank()) {
            throw new IllegalArgumentException("layerNorm: cannot normalize the last " + normDims + " dims of shape " + Shapes.format(x.shape()));
        }
        int[] s = x.shape();
        int d = 1;
        for (int i = s.length - normDims; i < s.length; i++) d *= s[i];
        checkAffine("layerNorm", gamma == null ? null : gamma.reshape(-1), beta == null ? null : beta.reshape(-1), d);
        int rows = x.numel() / Math.max(d, 1);
        int[] rowShape = Arrays.copyOf(s, s.length - normDims);
        Backend b = x.backend();
        Backend.NormOutput o = b.layerNorm(x.contiguous().reshape(rows, d), flat(gamma), flat(beta), eps);
        return new Norm(Tensor.wrap(o.y(), s, b), Tensor.wrap(o.mean(), rowShape, b), Tensor.wrap(o.rstd(), rowShape, b));
    }

    /** Gradients of {@link #layerNorm}. */
    public static NormGrads layerNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma) {
        requireShape("layerNormBackward", "dy", dy, x.shape());
        int rows = mean.numel(), d = x.numel() / Math.max(rows, 1);
        Backend b = x.backend();
        Backend.NormGrads g = b.layerNormBackward(dy.contiguous().reshape(rows, d), x.contiguous().reshape(rows, d),
                mean.contiguous().reshape(rows), rstd.contiguous().reshape(rows), flat(gamma));
        return grads(g, x.shape(), gamma, b);
    }

    private static NormGrads grads(Backend.NormGrads g, int[] xShape, Tensor gamma, Backend b) {
        return new NormGrads(Tensor.wrap(g.dx(), xShape, b),
                g.dgamma() == null ? null : Tensor.wrap(g.dgamma(), gamma.shape(), b),
                g.dbeta() == null ? null : Tensor.wrap(g.dbeta(), gamma.shape(), b));
    }

    private static void checkAffine(String op, Tensor gamma, Tensor beta, int size) {
        for (Tensor t : new Tensor[] {gamma, beta}) {
            if (t != null && t.numel() != size) {
                throw new IllegalArgumentException(op + ": affine parameter of shape " + Shapes.format(t.shape()) + " for " + size + " features");
            }
        }
        if (beta != null && gamma == null) throw new IllegalArgumentException(op + ": beta given without gamma");
    }

    private static Tensor contig(Tensor t) {
        return t == null ? null : t.contiguous();
    }

    private static Tensor flat(Tensor t) {
        return t == null ? null : t.contiguous().reshape(-1);
    }

    // ---- attention ------------------------------------------------------------------------------

    /**
     * Scaled dot-product attention, softmax(scale * q k^T) v (Vaswani et al. 2017, eq. 1), fused.
     *
     * @param q (..., Lq, D); k (..., Lk, D); v (..., Lk, Dv), same leading dims
     * @param keyMask null, or broadcastable to (..., Lk): keys where it is 0 are ignored
     * @param causal query i attends to keys j <= i + (Lk - Lq)
     * @param scale usually 1/sqrt(D)
     */
    public static Attention attention(Tensor q, Tensor k, Tensor v, Tensor keyMask, boolean causal, float scale) {
        if (q.rank() < 2 || k.rank() != q.rank() || v.rank() != q.rank()) {
            throw new IllegalArgumentException("attention: q, k, v must have equal rank >= 2, got " + Shapes.format(q.shape()) + ", "
                    + Shapes.format(k.shape()) + ", " + Shapes.format(v.shape()));
        }
        int r = q.rank();
        int[] batch = Arrays.copyOf(q.shape(), r - 2);
        int lq = q.dim(-2), d = q.dim(-1), lk = k.dim(-2), dv = v.dim(-1);
        if (!Arrays.equals(Arrays.copyOf(k.shape(), r - 2), batch) || !Arrays.equals(Arrays.copyOf(v.shape(), r - 2), batch)
                || k.dim(-1) != d || v.dim(-2) != lk) {
            throw new IllegalArgumentException("attention: shapes q " + Shapes.format(q.shape()) + ", k " + Shapes.format(k.shape()) + ", v "
                    + Shapes.format(v.shape()) + " do not fit (..., Lq, D), (..., Lk, D), (..., Lk, Dv)");
        }
        Tensor mask = flatMask(keyMask, batch, lk);
        Backend b = q.backend();
        // Views go to the backend as they are (a head split is a permuted view; the kernels read it in place).
        Backend.AttentionOutput o = b.attention(batched(q), batched(k), batched(v), mask, causal, scale);
        int[] outShape = Arrays.copyOf(batch, r);
        outShape[r - 2] = lq;
        outShape[r - 1] = dv;
        return new Attention(Tensor.wrap(o.out(), outShape, b), Tensor.wrap(o.lse(), Arrays.copyOf(outShape, r - 1), b));
    }

    /** {@link #attention} with scale 1/sqrt(D), returning only the output. */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor keyMask, boolean causal) {
        return attention(q, k, v, keyMask, causal, (float) (1 / Math.sqrt(q.dim(-1)))).out();
    }

    /** Gradients of {@link #attention} from its saved out and lse. */
    public static AttentionGrads attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dout,
                                                   Tensor keyMask, boolean causal, float scale) {
        int r = q.rank();
        int[] batch = Arrays.copyOf(q.shape(), r - 2), outShape = Arrays.copyOf(batch, r);
        outShape[r - 2] = q.dim(-2);
        outShape[r - 1] = v.dim(-1);
        // The backend reads out and lse as views, so a misshapen one would be read wrong, not fail.
        requireShape("attentionBackward", "out", out, outShape);
        requireShape("attentionBackward", "lse", lse, Arrays.copyOf(outShape, r - 1));
        requireShape("attentionBackward", "dout", dout, outShape);
        Backend b = q.backend();
        Backend.AttentionGrads g = b.attentionBackward(batched(q), batched(k), batched(v), batched(out),
                r == 2 ? lse.unsqueeze(0) : lse, batched(dout), flatMask(keyMask, batch, k.dim(-2)), causal, scale);
        return new AttentionGrads(Tensor.wrap(g.dq(), q.shape(), b), Tensor.wrap(g.dk(), k.shape(), b), Tensor.wrap(g.dv(), v.shape(), b));
    }

    /** An attention operand (..., L, W) with at least one batch dim, as the backend takes it: (L, W) gets a leading 1. */
    private static Tensor batched(Tensor t) {
        return t.rank() == 2 ? t.unsqueeze(0) : t;
    }

    private static Tensor flatMask(Tensor keyMask, int[] batch, int lk) {
        if (keyMask == null) return null;
        int[] full = Arrays.copyOf(batch, batch.length + 1);
        full[batch.length] = lk;
        try {
            return keyMask.broadcastTo(Shapes.broadcast(keyMask.shape(), full, "attention mask")).contiguous().reshape(Shapes.numel(batch), lk);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("attention: key mask " + Shapes.format(keyMask.shape()) + " does not broadcast to "
                    + Shapes.format(full), e);
        }
    }

    // ---- embedding, losses, dropout -------------------------------------------------------------

    /**
     * Rows of {@code weight} (V, D) picked by {@code ids} (any shape, integral FLOAT32 values in
     * [0, V)): output ids.shape + (D).
     */
    public static Tensor embedding(Tensor weight, Tensor ids) {
        if (weight.rank() != 2) throw new IllegalArgumentException("embedding: weight must be (V, D), got " + Shapes.format(weight.shape()));
        int n = ids.numel(), d = weight.dim(1);
        Tensor index = ids.reshape(n, 1).expand(n, d);
        int[] out = Arrays.copyOf(ids.shape(), ids.rank() + 1);
        out[ids.rank()] = d;
        return weight.gather(0, index).reshape(out);
    }

    /** Mean cross-entropy of logits (N, C) against integral class ids (N). */
    public static Tensor crossEntropy(Tensor logits, Tensor targets) {
        checkClassification(logits, targets);
        return logits.logSoftmax(1).gather(1, targets.reshape(-1, 1)).mean().neg();
    }

    static void checkClassification(Tensor logits, Tensor targets) {
        if (logits.rank() != 2) throw new IllegalArgumentException("crossEntropy: logits must be (N, C), got " + Shapes.format(logits.shape()));
        if (targets.rank() != 1 || targets.dim(0) != logits.dim(0)) {
            throw new IllegalArgumentException("crossEntropy: targets must be (" + logits.dim(0) + ",), got " + Shapes.format(targets.shape()));
        }
    }

    /** Mean squared error over all elements; shapes must match exactly (no silent broadcast). */
    public static Tensor mse(Tensor a, Tensor b) {
        requireShape("mse", "target", b, a.shape());
        return a.sub(b).square().mean();
    }

    /**
     * Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1-p), so
     * the expectation is unchanged (Srivastava et al. 2014). The mask comes from {@code gen}.
     */
    public static Tensor dropoutMask(Tensor like, float p, Generator gen) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        return Tensor.rand(like.device(), gen, like.shape()).ge(p).mul(1 / (1 - p));
    }

    public static Tensor dropout(Tensor x, float p, Generator gen) {
        return p == 0 ? x : x.mul(dropoutMask(x, p, gen));
    }

    static void requireShape(String op, String what, Tensor t, int[] shape) {
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException(op + ": " + what + " has shape " + Shapes.format(t.shape()) + ", expected " + Shapes.format(shape));
        }
    }
}
