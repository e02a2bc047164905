package diffusion4j.autograd;

import diffusion4j.autograd.ops.Attention;
import diffusion4j.autograd.ops.Conv2d;
import diffusion4j.autograd.ops.ConvTranspose2d;
import diffusion4j.autograd.ops.Gather;
import diffusion4j.autograd.ops.GroupNorm;
import diffusion4j.autograd.ops.LayerNorm;
import diffusion4j.autograd.ops.Unfold;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Functional;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Differentiable counterparts of {@link Functional}. The heavy ops (convolution, normalization,
 * attention) are single recorded functions over the backend's fused forward and backward kernels;
 * the rest (pooling, upsampling, losses, dropout) are compositions of differentiable ops, so their
 * gradients need no code of their own.
 */
public final class NN {
    private NN() {}

    /**
     * @param x (N, C, H, W); w (O, C/groups, kH, kW); bias (O) or null
     * @return (N, O, outH, outW)
     */
    public static Variable conv2d(Variable x, Variable w, Variable bias, ConvParams p) {
        return Conv2d.apply(x, w, bias, p);
    }

    /**
     * @param x (N, Cin, H, W); w (Cin, Cout/groups, kH, kW); bias (Cout) or null
     * @return (N, Cout, (H-1)*stride - 2*pad + dil*(kH-1) + outputPadding + 1, ...)
     */
    public static Variable convTranspose2d(Variable x, Variable w, Variable bias, ConvParams p, int outputPadding) {
        return ConvTranspose2d.apply(x, w, bias, p, outputPadding);
    }

    /**
     * Max over k x k windows, (N, C, H, W) to (N, C, outH, outW); padding never wins. Tied maxima
     * in a window share its gradient equally (torch gives it to one of them).
     */
    public static Variable maxPool2d(Variable x, int k, int stride, int padding) {
        return Unfold.apply(x, k, ConvParams.of(stride, padding), Float.NEGATIVE_INFINITY).max(2, false);
    }

    /** Average over k x k windows; padded positions count as zeros (torch's count_include_pad=True). */
    public static Variable avgPool2d(Variable x, int k, int stride, int padding) {
        return Unfold.apply(x, k, ConvParams.of(stride, padding), 0f).mean(2, false);
    }

    /** Nearest-neighbour upsampling by an integer factor, (N, C, H, W) to (N, C, H*s, W*s). */
    public static Variable upsampleNearest(Variable x, int scale) {
        if (x.rank() != 4) throw new IllegalArgumentException("upsampleNearest: input must be (N, C, H, W), got " + Shapes.format(x.shape()));
        if (scale < 1) throw new IllegalArgumentException("upsampleNearest: scale must be >= 1, got " + scale);
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        return x.reshape(n, c, h, 1, w, 1).expand(n, c, h, scale, w, scale).reshape(n, c, h * scale, w * scale);
    }

    /** @param x (N, C, *); gamma, beta (C) or null */
    public static Variable groupNorm(Variable x, int groups, Variable gamma, Variable beta, float eps) {
        return GroupNorm.apply(x, groups, gamma, beta, eps);
    }

    /** Layer norm over the last {@code normDims} dims; gamma and beta shaped like them, or null. */
    public static Variable layerNorm(Variable x, int normDims, Variable gamma, Variable beta, float eps) {
        return LayerNorm.apply(x, normDims, gamma, beta, eps);
    }

    /**
     * softmax(scale q k^T) v, fused.
     *
     * @param q (..., Lq, D); k (..., Lk, D); v (..., Lk, Dv)
     * @param keyMask null, or broadcastable to (..., Lk): keys where it is 0 are ignored
     * @param causal query i attends to keys j <= i + (Lk - Lq)
     */
    public static Variable attention(Variable q, Variable k, Variable v, Tensor keyMask, boolean causal, float scale) {
        return Attention.apply(q, k, v, keyMask, causal, scale);
    }

    /**
     * Rows of {@code weight} (V, D) picked by {@code ids} (integral FLOAT32, any shape); output
     * ids.shape + (D). A row picked several times gets the sum of their gradients.
     */
    public static Variable embedding(Variable weight, Tensor ids) {
        if (weight.rank() != 2) throw new IllegalArgumentException("embedding: weight must be (V, D), got " + Shapes.format(weight.shape()));
        int n = ids.numel(), d = weight.dim(1);
        int[] out = Arrays.copyOf(ids.shape(), ids.rank() + 1);
        out[ids.rank()] = d;
        return Gather.apply(weight, 0, ids.reshape(n, 1).expand(n, d)).reshape(out);
    }

    /** Mean cross-entropy of logits (N, C) against integral class ids (N). */
    public static Variable crossEntropy(Variable logits, Tensor targets) {
        if (logits.rank() != 2) throw new IllegalArgumentException("crossEntropy: logits must be (N, C), got " + Shapes.format(logits.shape()));
        if (targets.rank() != 1 || targets.dim(0) != logits.dim(0)) {
            throw new IllegalArgumentException("crossEntropy: targets must be (" + logits.dim(0) + ",), got " + Shapes.format(targets.shape()));
        }
        return Gather.apply(logits.logSoftmax(1), 1, targets.reshape(-1, 1)).mean().neg();
    }

    /** Mean squared error over all elements; shapes must match exactly (no silent broadcast). */
    public static Variable mse(Variable prediction, Tensor target) {
        if (!Arrays.equals(prediction.shape(), target.shape())) {
            throw new IllegalArgumentException("mse: target has shape " + Shapes.format(target.shape()) + ", expected "
                    + Shapes.format(prediction.shape()));
        }
        return prediction.sub(Variable.constant(target)).square().mean();
    }

    /**
     * Inverted dropout when {@code training}: zeroes each element with probability p (mask from
     * {@code gen}) and scales the rest by 1/(1-p); the identity otherwise or when p is 0.
     */
    public static Variable dropout(Variable x, float p, Generator gen, boolean training) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        if (!training || p == 0) return x;
        return x.mul(Variable.constant(Functional.dropoutMask(x.data(), p, gen)));
    }
}
