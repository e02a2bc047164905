package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.VecMath.S;

import diffusion4j.kernels.cpu.Strided.DenseView;
import diffusion4j.tensor.Backend.NormGrads;
import diffusion4j.tensor.Backend.NormOutput;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Group norm over (N, C, S) and layer norm over (R, D), forward and backward.
 *
 * <p>Forward reads the data twice: one pass for the statistics and one to normalize. The
 * statistics pass sums {@code x - p} and {@code (x - p)^2} for a pivot {@code p} (the block's first
 * element), in float vectors folded into double every {@link #FLUSH} elements: shifting by a value
 * near the mean keeps {@code E[d^2] - E[d]^2} free of the cancellation that ruins the plain
 * sum/sum-of-squares form when |mean| >> std, while staying a single pass.
 *
 * <p>Backward uses {@code dx = rstd (g dy - mean(g dy) - xhat mean(g dy xhat))}: per channel (group
 * norm) or row (layer norm) it first sums {@code dy} and {@code dy (x - mean)} (no cancellation,
 * since the mean is known), then writes dx in one fused pass. Work is split over (n, group) or row
 * blocks; dgamma and dbeta are per-task partials added in a fixed order, so results do not depend
 * on the thread count.
 */
final class CpuNorm {
    private CpuNorm() {}

    /** Elements summed in float before the partial sums fold into double. */
    private static final int FLUSH = 1024;
    /** Most row blocks layer-norm backward splits into (each holds a partial dgamma, dbeta). */
    private static final int MAX_BLOCKS = 64;

    // ---- group norm ---------------------------------------------------------------------------

    /** @param x (N, C, S); gamma, beta (C) or null. Outputs y (N, C, S), mean and rstd (N, groups). */
    static NormOutput groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, float eps) {
        int n = x.dim(0), c = x.dim(1), s = x.dim(2), cg = c / groups, m = cg * s;
        DenseView xv = DenseView.of(x);
        float[] g = gamma == null ? null : DenseView.of(gamma).copy(c), b = beta == null ? null : DenseView.of(beta).copy(c);
        float[] y = TensorScope.array(n * c * s), mean = TensorScope.array(n * groups), rstd = TensorScope.array(n * groups);
        Parallel.range(n * groups, Math.max(1, (1 << 15) / Math.max(1, m)), (start, end) -> {
            for (int task = start; task < end; task++) {
                int base = task * m; // (n, group) blocks are contiguous and in task order
                stats(xv.a(), xv.off() + base, m, eps, mean, rstd, task);
                float mu = mean[task], rs = rstd[task];
                for (int ch = (task % groups) * cg, k = 0; k < cg; k++, ch++) {
                    float scale = g == null ? rs : rs * g[ch], shift = b == null ? 0f : b[ch];
                    normalize(xv.a(), xv.off() + base + k * s, mu, scale, shift, y, base + k * s, s);
                }
            }
        });
        return new NormOutput(new HeapStorage(y), new HeapStorage(mean), new HeapStorage(rstd));
    }

    /** @param dy, x (N, C, S); mean, rstd (N, groups); gamma (C) or null. */
    static NormGrads groupNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma, int groups) {
        int n = x.dim(0), c = x.dim(1), s = x.dim(2), cg = c / groups, m = cg * s;
        DenseView xv = DenseView.of(x), gv = DenseView.of(dy);
        float[] mu = DenseView.of(mean).copy(n * groups), rs = DenseView.of(rstd).copy(n * groups);
        float[] g = gamma == null ? null : DenseView.of(gamma).copy(c);
        float[] dx = TensorScope.array(n * c * s);
        double[] sumDy = new double[n * c], sumDyXm = new double[n * c];
        Parallel.range(n * groups, Math.max(1, (1 << 15) / Math.max(1, m)), (start, end) -> {
            for (int task = start; task < end; task++) {
                int base = task * m, c0 = (task % groups) * cg, nc0 = (task / groups) * c + c0;
                float u = mu[task], r = rs[task];
                double sum1 = 0, sum2 = 0; // sum of g*dy, and of g*dy*xhat, over the group
                for (int k = 0; k < cg; k++) {
                    dyStats(gv.a(), gv.off() + base + k * s, xv.a(), xv.off() + base + k * s, u, s, sumDy, sumDyXm, nc0 + k);
                    double gc = g == null ? 1 : g[c0 + k];
                    sum1 += gc * sumDy[nc0 + k];
                    sum2 += gc * r * sumDyXm[nc0 + k];
                }
                for (int k = 0; k < cg; k++) {
                    float gc = g == null ? 1f : g[c0 + k];
                    backwardRun(gv.a(), gv.off() + base + k * s, xv.a(), xv.off() + base + k * s, u, r, gc,
                            sum1 / m, sum2 / m, dx, base + k * s, s);
                }
            }
        });
        if (g == null) return new NormGrads(new HeapStorage(dx), null, null);
        float[] dgamma = new float[c], dbeta = new float[c];
        // dgamma[ch] = sum over images i (in order) of rstd * sum(dy (x - mean)), dbeta[ch] of
        // sum(dy): on all threads, each a range of channels read row by row. On the calling thread
        // alone, channel by channel (a strided read per term), this took 18 us at 32x256x8x8,
        // against about 100 us for the whole backward on two threads.
        Parallel.range(c, Math.max(1, (1 << 12) / Math.max(1, n)), (start, end) -> {
            double[] a = new double[end - start], bb = new double[end - start];
            for (int i = 0; i < n; i++) {
                for (int ch = start; ch < end; ) {
                    int group = ch / cg, stop = Math.min(end, (group + 1) * cg);
                    double r = rs[i * groups + group];
                    for (; ch < stop; ch++) {
                        a[ch - start] += r * sumDyXm[i * c + ch];
                        bb[ch - start] += sumDy[i * c + ch];
                    }
                }
            }
            for (int ch = start; ch < end; ch++) {
                dgamma[ch] = (float) a[ch - start];
                dbeta[ch] = (float) bb[ch - start];
            }
        });
        return new NormGrads(new HeapStorage(dx), new HeapStorage(dgamma), new HeapStorage(dbeta));
    }

    // ---- layer norm ---------------------------------------------------------------------------

    /** @param x (R, D); gamma, beta (D) or null. Outputs y (R, D), mean and rstd (R). */
    static NormOutput layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        int rows = x.dim(0), d = x.dim(1);
        DenseView xv = DenseView.of(x);
        float[] g = gamma == null ? filled(d, 1f) : DenseView.of(gamma).copy(d);
        float[] b = beta == null ? new float[d] : DenseView.of(beta).copy(d);
        float[] y = TensorScope.array(rows * d), mean = TensorScope.array(rows), rstd = TensorScope.array(rows);
        Parallel.range(rows, Math.max(1, (1 << 14) / Math.max(1, d)), (start, end) -> {
            for (int r = start; r < end; r++) {
                int xo = xv.off() + r * d;
                stats(xv.a(), xo, d, eps, mean, rstd, r);
                float mu = mean[r], rs = rstd[r];
                FloatVector vmu = FloatVector.broadcast(S, mu), vrs = FloatVector.broadcast(S, rs);
                int j = 0;
                for (int bound = S.loopBound(d); j < bound; j += S.length()) {
                    FloatVector xhat = FloatVector.fromArray(S, xv.a(), xo + j).sub(vmu).mul(vrs);
                    xhat.fma(FloatVector.fromArray(S, g, j), FloatVector.fromArray(S, b, j)).intoArray(y, r * d + j);
                }
                for (; j < d; j++) y[r * d + j] = (xv.a()[xo + j] - mu) * rs * g[j] + b[j];
            }
        });
        return new NormOutput(new HeapStorage(y), new HeapStorage(mean), new HeapStorage(rstd));
    }

    /** @param dy, x (R, D); mean, rstd (R); gamma (D) or null. */
    static NormGrads layerNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma) {
        int rows = x.dim(0), d = x.dim(1);
        DenseView xv = DenseView.of(x), gv = DenseView.of(dy);
        float[] mu = DenseView.of(mean).copy(rows), rs = DenseView.of(rstd).copy(rows);
        float[] g = gamma == null ? filled(d, 1f) : DenseView.of(gamma).copy(d);
        boolean affine = gamma != null;
        float[] dx = TensorScope.array(rows * d);
        int blocks = Math.max(1, Math.min(rows, MAX_BLOCKS));
        float[][] pg = new float[blocks][], pb = new float[blocks][];
        Parallel.range(blocks, (start, end) -> {
            for (int blk = start; blk < end; blk++) {
                float[] dg = affine ? new float[d] : null, db = affine ? new float[d] : null;
                for (int r = (int) ((long) rows * blk / blocks), rEnd = (int) ((long) rows * (blk + 1) / blocks); r < rEnd; r++) {
                    layerRowBackward(gv.a(), gv.off() + r * d, xv.a(), xv.off() + r * d, mu[r], rs[r], g, dx, r * d, d, dg, db);
                }
                pg[blk] = dg;
                pb[blk] = db;
            }
        });
        if (!affine) return new NormGrads(new HeapStorage(dx), null, null);
        return new NormGrads(new HeapStorage(dx), new HeapStorage(sumInOrder(pg, d)), new HeapStorage(sumInOrder(pb, d)));
    }

    /** One row: dx, and (when dg is not null) dgamma += dy xhat, dbeta += dy. */
    private static void layerRowBackward(float[] gy, int go, float[] x, int xo, float u, float r, float[] g,
                                         float[] dx, int o, int d, float[] dg, float[] db) {
        FloatVector vu = FloatVector.broadcast(S, u), vr = FloatVector.broadcast(S, r);
        FloatVector a1 = FloatVector.zero(S), a2 = FloatVector.zero(S);
        int j = 0, bound = S.loopBound(d);
        for (; j < bound; j += S.length()) {
            FloatVector gdy = FloatVector.fromArray(S, gy, go + j).mul(FloatVector.fromArray(S, g, j));
            FloatVector xhat = FloatVector.fromArray(S, x, xo + j).sub(vu).mul(vr);
            a1 = a1.add(gdy);
            a2 = gdy.fma(xhat, a2);
        }
        double sum1 = VecMath.sumLanes(a1), sum2 = VecMath.sumLanes(a2);
        for (int t = j; t < d; t++) {
            float gdy = gy[go + t] * g[t];
            sum1 += gdy;
            sum2 += gdy * (x[xo + t] - u) * r;
        }
        float m1 = (float) (sum1 / d), m2 = (float) (sum2 / d);
        FloatVector vm1 = FloatVector.broadcast(S, m1), vm2 = FloatVector.broadcast(S, m2);
        for (j = 0; j < bound; j += S.length()) {
            FloatVector vdy = FloatVector.fromArray(S, gy, go + j);
            FloatVector xhat = FloatVector.fromArray(S, x, xo + j).sub(vu).mul(vr);
            vdy.mul(FloatVector.fromArray(S, g, j)).sub(vm1).sub(xhat.mul(vm2)).mul(vr).intoArray(dx, o + j);
            if (dg != null) {
                vdy.fma(xhat, FloatVector.fromArray(S, dg, j)).intoArray(dg, j);
                vdy.add(FloatVector.fromArray(S, db, j)).intoArray(db, j);
            }
        }
        for (; j < d; j++) {
            float xhat = (x[xo + j] - u) * r;
            dx[o + j] = (gy[go + j] * g[j] - m1 - xhat * m2) * r;
            if (dg != null) {
                dg[j] += gy[go + j] * xhat;
                db[j] += gy[go + j];
            }
        }
    }

    // ---- shared loops -------------------------------------------------------------------------

    /**
     * Mean and {@code 1/sqrt(var + eps)} (biased variance) of {@code x[o .. o+n)}, pivot-shifted (see
     * the class doc), stored to {@code mean[at]} and {@code rstd[at]} (no result array per call: this runs once per
     * (n, group) block).
     */
    private static void stats(float[] x, int o, int n, float eps, float[] mean, float[] rstd, int at) {
        float p = x[o];
        FloatVector vp = FloatVector.broadcast(S, p);
        double s1 = 0, s2 = 0;
        for (int b0 = 0; b0 < n; b0 += FLUSH) {
            int len = Math.min(FLUSH, n - b0), j = 0, xo = o + b0;
            FloatVector a1 = FloatVector.zero(S), a2 = FloatVector.zero(S);
            for (int bound = S.loopBound(len); j < bound; j += S.length()) {
                FloatVector dv = FloatVector.fromArray(S, x, xo + j).sub(vp);
                a1 = a1.add(dv);
                a2 = dv.fma(dv, a2);
            }
            s1 += VecMath.sumLanes(a1);
            s2 += VecMath.sumLanes(a2);
            for (; j < len; j++) {
                double dv = x[xo + j] - p;
                s1 += dv;
                s2 += dv * dv;
            }
        }
        double m1 = s1 / n, var = Math.max(0, s2 / n - m1 * m1);
        mean[at] = (float) (p + m1);
        rstd[at] = (float) (1 / Math.sqrt(var + eps));
    }

    /** {@code y = (x - mu) * scale + shift} over n elements. */
    private static void normalize(float[] x, int xo, float mu, float scale, float shift, float[] y, int yo, int n) {
        FloatVector vmu = FloatVector.broadcast(S, mu), va = FloatVector.broadcast(S, scale), vb = FloatVector.broadcast(S, shift);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += S.length()) {
            FloatVector.fromArray(S, x, xo + j).sub(vmu).fma(va, vb).intoArray(y, yo + j);
        }
        for (; j < n; j++) y[yo + j] = Math.fma(x[xo + j] - mu, scale, shift);
    }

    /** {@code sum(dy)} to {@code s1[at]} and {@code sum(dy * (x - mu))} to {@code s2[at]}, over n elements. */
    private static void dyStats(float[] gy, int go, float[] x, int xo, float mu, int n, double[] s1, double[] s2, int at) {
        FloatVector vmu = FloatVector.broadcast(S, mu), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += S.length()) {
            FloatVector vdy = FloatVector.fromArray(S, gy, go + j);
            a1 = a1.add(vdy);
            a2 = vdy.fma(FloatVector.fromArray(S, x, xo + j).sub(vmu), a2);
        }
        double t1 = VecMath.sumLanes(a1), t2 = VecMath.sumLanes(a2);
        for (; j < n; j++) {
            t1 += gy[go + j];
            t2 += gy[go + j] * (double) (x[xo + j] - mu);
        }
        s1[at] = t1;
        s2[at] = t2;
    }

    /**
     * Group-norm dx over one channel: {@code rstd (gc dy - m1 - xhat m2)} with {@code xhat = (x - mu) rstd},
     * {@code m1 = mean(g dy)}, {@code m2 = mean(g dy xhat)} over the group.
     */
    private static void backwardRun(float[] gy, int go, float[] x, int xo, float mu, float r, float gc,
                                    double m1, double m2, float[] dx, int o, int n) {
        float a = gc * r, bx = (float) (-r * r * m2), c = (float) (-r * m1);
        FloatVector va = FloatVector.broadcast(S, a), vb = FloatVector.broadcast(S, bx), vc = FloatVector.broadcast(S, c);
        FloatVector vmu = FloatVector.broadcast(S, mu);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += S.length()) {
            FloatVector rest = FloatVector.fromArray(S, x, xo + j).sub(vmu).fma(vb, vc);
            FloatVector.fromArray(S, gy, go + j).fma(va, rest).intoArray(dx, o + j);
        }
        for (; j < n; j++) dx[o + j] = Math.fma(gy[go + j], a, Math.fma(x[xo + j] - mu, bx, c));
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    /** Element-wise sum of per-block partials, in block order (deterministic), in double. */
    private static float[] sumInOrder(float[][] parts, int d) {
        double[] acc = new double[d];
        for (float[] p : parts) {
            if (p == null) continue;
            for (int j = 0; j < d; j++) acc[j] += p[j];
        }
        float[] out = new float[d];
        for (int j = 0; j < d; j++) out[j] = (float) acc[j];
        return out;
    }
}
