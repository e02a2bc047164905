package diffusion4j.kernels.opencl;

import diffusion4j.tensor.Backend.NormGrads;
import diffusion4j.tensor.Backend.NormOutput;
import diffusion4j.tensor.Tensor;

/**
 * Group norm over (N, C, S) and layer norm over (R, D), forward and backward, on {@code norm.cl}.
 * Both are "normalize contiguous blocks of m elements": a block is one (n, group) of group norm
 * (m = C/groups * S, affine channel = group's first channel + e / S) or one row of layer norm
 * (m = D, S = 1, groups = 1), so one kernel serves both. A work-group owns a block (statistics,
 * normalization, dx) or a channel (dgamma, dbeta), reducing through local memory.
 */
public final class ClNorm {
    private ClNorm() {}

    /** The block structure of a call: {@code tasks} blocks of {@code m} elements, S and groups as in norm.cl. */
    private record Blocks(int tasks, int m, int s, int groups) {}

    /** @param x (N, C, S); gamma, beta (C) or null. Outputs y (N, C, S), mean and rstd (N, groups). */
    public static NormOutput groupNorm(ClRuntime rt, Tensor x, Tensor gamma, Tensor beta, int groups, float eps) {
        int n = x.dim(0), c = x.dim(1), s = x.dim(2);
        checkGroups(c, groups);
        return forward(rt, x, gamma, beta, new Blocks(n * groups, c / groups * s, s, groups), eps);
    }

    /** @param x (R, D); gamma, beta (D) or null. Outputs y (R, D), mean and rstd (R). */
    public static NormOutput layerNorm(ClRuntime rt, Tensor x, Tensor gamma, Tensor beta, float eps) {
        return forward(rt, x, gamma, beta, new Blocks(x.dim(0), x.dim(1), 1, 1), eps);
    }

    /** @param dy, x (N, C, S); mean, rstd (N, groups); gamma (C) or null. dgamma, dbeta (C) null without gamma. */
    public static NormGrads groupNormBackward(ClRuntime rt, Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma, int groups) {
        int n = x.dim(0), c = x.dim(1), s = x.dim(2);
        checkGroups(c, groups);
        return backward(rt, dy, x, mean, rstd, gamma, new Blocks(n * groups, c / groups * s, s, groups), n, c);
    }

    /** @param dy, x (R, D); mean, rstd (R); gamma (D) or null. dgamma, dbeta (D) null without gamma. */
    public static NormGrads layerNormBackward(ClRuntime rt, Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma) {
        int r = x.dim(0), d = x.dim(1);
        return backward(rt, dy, x, mean, rstd, gamma, new Blocks(r, d, 1, 1), r, d);
    }

    private static NormOutput forward(ClRuntime rt, Tensor x, Tensor gamma, Tensor beta, Blocks b, float eps) {
        ClStorage y = rt.allocate(b.tasks * b.m), mean = rt.allocate(b.tasks), rstd = rt.allocate(b.tasks);
        if (b.m > 0) {
            int ls = localSize(rt);
            ClStorage xs = ClStorage.of(x.storage());
            rt.launch(rt.kernel("norm.cl", "norm_fwd", "-DLS=" + ls), new long[] {(long) b.tasks * ls}, new long[] {ls},
                    xs, x.layout().offset(), orElse(gamma, xs), offset(gamma), gamma != null ? 1 : 0,
                    orElse(beta, xs), offset(beta), beta != null ? 1 : 0, b.m, b.s, b.groups, eps, y, mean, rstd);
        }
        return new NormOutput(y, mean, rstd);
    }

    /** dx per block; then, with gamma, dgamma and dbeta per channel of an (outer, channels, S) tensor. */
    private static NormGrads backward(ClRuntime rt, Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma, Blocks b,
                                      int outer, int channels) {
        int ls = localSize(rt);
        String opts = "-DLS=" + ls;
        ClStorage dx = rt.allocate(b.tasks * b.m), xs = ClStorage.of(x.storage()), dys = ClStorage.of(dy.storage());
        ClStorage ms = ClStorage.of(mean.storage()), rs = ClStorage.of(rstd.storage());
        int dyOff = dy.layout().offset(), xOff = x.layout().offset(), mOff = mean.layout().offset(), rOff = rstd.layout().offset();
        if (b.m > 0) {
            rt.launch(rt.kernel("norm.cl", "norm_bwd", opts), new long[] {(long) b.tasks * ls}, new long[] {ls},
                    dys, dyOff, xs, xOff, ms, mOff, rs, rOff, orElse(gamma, xs), offset(gamma), gamma != null ? 1 : 0,
                    b.m, b.s, b.groups, dx);
        }
        if (gamma == null) return new NormGrads(dx, null, null);
        ClStorage dgamma = rt.allocate(channels), dbeta = rt.allocate(channels);
        rt.launch(rt.kernel("norm.cl", "norm_affine_grad", opts), new long[] {(long) channels * ls}, new long[] {ls},
                dys, dyOff, xs, xOff, ms, mOff, rs, rOff, outer, channels, b.s, b.groups, dgamma, dbeta);
        return new NormGrads(dx, dgamma, dbeta);
    }

    /** The work-group size: a power of two (the local tree halves it), within the device's limit. */
    private static int localSize(ClRuntime rt) {
        return Integer.highestOneBit(Math.max(1, Math.min(rt.tuning().get("norm.wg"), rt.info().maxWorkGroup())));
    }

    private static void checkGroups(int c, int groups) {
        if (groups < 1 || c % groups != 0) {
            throw new IllegalArgumentException("groupNorm: " + c + " channels do not split into " + groups + " groups");
        }
    }

    /** A tensor's buffer, or {@code dummy} for an absent optional input (the kernel's flag says not to read it). */
    private static ClStorage orElse(Tensor t, ClStorage dummy) {
        return t == null ? dummy : ClStorage.of(t.storage());
    }

    private static int offset(Tensor t) {
        return t == null ? 0 : t.layout().offset();
    }
}
