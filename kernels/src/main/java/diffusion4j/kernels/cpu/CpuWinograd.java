package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmKernel.LANES;
import static diffusion4j.kernels.cpu.GemmKernel.SPECIES;

import diffusion4j.tensor.TensorScope;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * 3x3, stride-1 convolution and both gradients by Winograd's minimal filtering F(2x2, 3x3)
 * (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016, eq. 8):
 * <pre>
 * forward   Y = A^T [ (G g G^T) . (B^T d B) ] A        per 2x2 output tile, 4x4 input tile d
 * </pre>
 * 16 multiplies per tile and channel pair instead of 36, so the GEMM work, which dominates, drops
 * 2.25x. The element-wise product summed over channels is 16 independent GEMMs, one per position
 * xi of the 4x4 transformed tile: {@code M_xi (O x T) = U_xi (O x C) * V_xi (C x T)} over T tiles.
 * The weight gradient is the same algebra run backwards ({@code dU = (A dY A^T) . V}, summed over
 * tiles, then {@code dg = G^T dU G}): 16 GEMMs {@code dU_xi (O x C) += E_xi (O x T) * V_xi^T}.
 * The input gradient is a forward pass of dy with the kernel flipped and transposed and padding
 * {@code 2 - pad} (see {@link CpuConv}).
 *
 * <p>The transforms' entries are 0, +-1 and +-1/2, so rounding stays within a few ulps of the
 * direct sum. The forward pass (and so the input gradient) is fused per panel of tiles and
 * vectorized ({@link WinogradForward}). The weight gradient goes in chunks of whole images (at most
 * {@link #BUDGET} floats per transformed buffer, so a chunk stays in cache from transform to GEMM);
 * its transforms are scalar loops along a row of tiles, and it sums fixed slices of the batch in
 * order ({@link #PARTIALS}), so every result is independent of the thread count and timing.
 */
final class CpuWinograd {
    private CpuWinograd() {}

    /**
     * Most floats in each transformed-tile buffer of a weight-gradient chunk (4 MiB), here and in
     * {@link WinogradWeightGrad}: a chunk's tiles stay in L3 between the transform and the product.
     * Measured: 1 MiB made the 16 GEMMs of the 8x8 layers too small (T = 64 tiles) and cost more
     * than it saved in the transforms.
     */
    static final int BUDGET = 1 << 20;
    /** Slices of the batch whose weight gradients are summed separately (fixed for reproducibility). */
    static final int PARTIALS = 4;
    /** Positions of a 4x4 transformed tile: the 16 products of every Winograd pass. */
    static final int XI = 16;

    /**
     * Distance between the 16 transformed matrices of {@code n} floats each. Not n itself: n is
     * often a multiple of 1024, and then the 16 streams a transform reads or writes at once would
     * all fall in the same L1 sets (4 KiB aliasing); 48 floats of slack put them 192 bytes apart.
     */
    static int stride(int n) {
        return n + 48;
    }

    /** Geometry: input (n, c, h, w), padding (ph, pw), o output channels; output (n, o, oh, ow). */
    record Geo(int n, int c, int h, int w, int o, int ph, int pw) {
        int oh() { return h + 2 * ph - 2; }
        int ow() { return w + 2 * pw - 2; }
        int th() { return (oh() + 1) / 2; }
        int tw() { return (ow() + 1) / 2; }
        int tilesPerImage() { return th() * tw(); }

        /** Whole images per chunk of the weight gradient: 16 x max(c, o) x tiles within the budget. */
        int imagesPerChunk() {
            long perImage = (long) XI * Math.max(c, o) * tilesPerImage();
            return (int) Math.max(1, Math.min(n, BUDGET / Math.max(1, perImage)));
        }
    }

    /**
     * {@code y = conv3x3(x, w) (+ bias)}.
     *
     * @param x  (N, C, H, W) at {@code xo}; not modified
     * @param w  (O, C, 3, 3) at {@code wo}; not modified
     * @param y  (N, O, OH, OW) at 0; overwritten, or added to when {@code accumulate} (bias pre-filled)
     */
    static void forward(Geo g, float[] x, int xo, float[] w, int wo, float[] y, boolean accumulate) {
        WinogradForward.forward(g, weightTransform(g.o, g.c, w, wo), x, xo, y, accumulate);
    }

    /**
     * dx of the 3x3 convolution: a forward pass of dy with the kernel flipped and transposed,
     * {@code wt[c][o][i][j] = w[o][c][2-i][2-j]}, and padding {@code 2 - pad}, which gives back H x W.
     *
     * @param dy (N, O, OH, OW) at {@code dyo}; not modified
     * @param w  (O, C, 3, 3) at {@code wo}; not modified
     * @param dx (N, C, H, W) at 0; overwritten
     */
    static void backwardInput(Geo g, float[] dy, int dyo, float[] w, int wo, float[] dx) {
        float[] wt = CpuConvImplicit.flipped(w, wo, g.o, g.c, 9);
        forward(new Geo(g.n, g.o, g.oh(), g.ow(), g.c, 2 - g.ph, 2 - g.pw), dy, dyo, wt, 0, dx, false);
    }

    /**
     * dW of the 3x3 convolution, summed over the batch. The batch is cut into {@link #PARTIALS}
     * contiguous slices whatever the thread count; each slice sums its images in order into its own
     * dU, and the slices are added in order, so the result does not depend on threads or timing.
     *
     * @param x  (N, C, H, W) at {@code xo}; not modified
     * @param dy (N, O, OH, OW) at {@code dyo}; not modified
     * @return (O, C, 3, 3)
     */
    static float[] backwardWeight(Geo g, float[] x, int xo, float[] dy, int dyo) {
        int per = g.imagesPerChunk(), ti = g.tilesPerImage(), chunks = Math.ceilDiv(g.n, per);
        int slices = Math.min(PARTIALS, chunks), size = XI * g.o * g.c;
        float[][] part = new float[slices][];
        Parallel.range(slices, (s0, s1) -> {
            float[] v = new float[XI * stride(g.c * per * ti)], e = new float[XI * stride(g.o * per * ti)];
            for (int sl = s0; sl < s1; sl++) {
                float[] du = part[sl] = new float[size];
                for (int ch = (int) ((long) chunks * sl / slices), end = (int) ((long) chunks * (sl + 1) / slices); ch < end; ch++) {
                    int n0 = ch * per, imgs = Math.min(per, g.n - n0), t = imgs * ti;
                    inputTransform(g, x, xo, n0, imgs, v);
                    gradTransform(g, dy, dyo, n0, imgs, e);
                    // dU_xi (O x C) += E_xi (O x T) * V_xi^T (T x C)
                    for (int xi = 0; xi < XI; xi++) {
                        Gemm.sgemm(true, g.o, g.c, t, e, xi * stride(g.o * t), t, 1, v, xi * stride(g.c * t), 1, t, du, xi * g.o * g.c, g.c);
                    }
                }
            }
        });
        float[] du = part[0];
        for (int sl = 1; sl < slices; sl++) for (int i = 0; i < size; i++) du[i] += part[sl][i];
        return weights(g.o, g.c, du, g.o * g.c, g.c, 1);
    }

    /**
     * dW = G^T dU G for every (o, c), G^T = [[1, .5, .5, 0], [0, .5, -.5, 0], [0, .5, .5, 1]].
     * Vectorized along dU's contiguous index (c when {@code cs == 1}, else o): LANES pairs at a
     * time, each of the 9 results staged in a small buffer and then copied to its place in dW (a
     * scalar loop per pair took 1.2 ms of one thread's time at 256 x 256).
     *
     * @param du element (xi, o, c) at {@code xi*xs + o*os + c*cs}
     * @return (O, C, 3, 3)
     */
    static float[] weights(int o, int c, float[] du, int xs, int os, int cs) {
        float[] dw = TensorScope.array(o * c * 9);
        boolean cInner = cs == 1;
        int outer = cInner ? o : c, inner = cInner ? c : o, outerStride = cInner ? os : cs, innerStride = cInner ? cs : os;
        int dwOuter = cInner ? c * 9 : 9, dwInner = cInner ? 9 : c * 9, whole = innerStride == 1 ? inner / LANES * LANES : 0;
        Parallel.range(outer, Math.max(1, 256 / inner), (r0, r1) -> {
            float[] s = new float[XI], t = new float[21 * LANES]; // 9 results, then 12 row sums
            for (int r = r0; r < r1; r++) {
                for (int k = 0; k < whole; k += LANES) {
                    int at = r * outerStride + k, to = r * dwOuter + k * dwInner;
                    weightsVector(du, at, xs, t);
                    for (int l = 0; l < LANES; l++) {
                        for (int q = 0; q < 9; q++) dw[to + l * dwInner + q] = t[q * LANES + l];
                    }
                }
                for (int k = whole; k < inner; k++) {
                    int at = r * outerStride + k * innerStride, to = r * dwOuter + k * dwInner;
                    for (int xi = 0; xi < XI; xi++) s[xi] = du[xi * xs + at];
                    for (int i = 0; i < 3; i++) {
                        float a = gt(i, s[0], s[4], s[8], s[12]), b = gt(i, s[1], s[5], s[9], s[13]);
                        float d = gt(i, s[2], s[6], s[10], s[14]), e = gt(i, s[3], s[7], s[11], s[15]);
                        for (int j = 0; j < 3; j++) dw[to + i * 3 + j] = gt(j, a, b, d, e);
                    }
                }
            }
        });
        return dw;
    }

    /**
     * G^T dU G for LANES consecutive pairs from {@code du[at]}: result (i, j) of lane l to
     * {@code t[(3i + j)*LANES + l]}. Rows first (G^T on the left: h = (d0 + .5(d1 + d2),
     * .5(d1 - d2), .5(d1 + d2) + d3) down each column), then the same along the rows.
     * Written out so that no vector is boxed.
     */
    private static void weightsVector(float[] du, int at, int xs, float[] t) {
        for (int j = 0; j < 4; j++) {
            FloatVector a = FloatVector.fromArray(SPECIES, du, at + j * xs), b = FloatVector.fromArray(SPECIES, du, at + (4 + j) * xs);
            FloatVector c = FloatVector.fromArray(SPECIES, du, at + (8 + j) * xs), d = FloatVector.fromArray(SPECIES, du, at + (12 + j) * xs);
            FloatVector sum = b.add(c).mul(0.5f);
            a.add(sum).intoArray(t, (9 + j) * LANES);
            b.sub(c).mul(0.5f).intoArray(t, (13 + j) * LANES);
            sum.add(d).intoArray(t, (17 + j) * LANES);
        }
        for (int i = 0; i < 3; i++) {
            int h = (9 + 4 * i) * LANES;
            FloatVector a = FloatVector.fromArray(SPECIES, t, h), b = FloatVector.fromArray(SPECIES, t, h + LANES);
            FloatVector c = FloatVector.fromArray(SPECIES, t, h + 2 * LANES), d = FloatVector.fromArray(SPECIES, t, h + 3 * LANES);
            FloatVector sum = b.add(c).mul(0.5f);
            a.add(sum).intoArray(t, (3 * i) * LANES);
            b.sub(c).mul(0.5f).intoArray(t, (3 * i + 1) * LANES);
            sum.add(d).intoArray(t, (3 * i + 2) * LANES);
        }
    }

    /** Row {@code i} of G^T applied to (a, b, c, d). */
    private static float gt(int i, float a, float b, float c, float d) {
        return switch (i) {
            case 0 -> a + 0.5f * (b + c);
            case 1 -> 0.5f * (b - c);
            default -> 0.5f * (b + c) + d;
        };
    }

    /**
     * U_xi (O x C) = G g G^T for every (o, c), G = [[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]];
     * U_xi starts at {@code xi * stride(o*c)} (the 16 output streams then do not share L1 sets).
     */
    static float[] weightTransform(int o, int c, float[] w, int wo) {
        float[] u = TensorScope.array(XI * stride(o * c)); // the padding between the streams is never read
        int us = stride(o * c);
        Parallel.range(o * c, 256, (p0, p1) -> {
            float[] t = new float[12];
            for (int p = p0; p < p1; p++) {
                int b = wo + p * 9;
                for (int j = 0; j < 3; j++) { // t (4 x 3) = G g, column j
                    float g0 = w[b + j], g1 = w[b + 3 + j], g2 = w[b + 6 + j];
                    t[j] = g0;
                    t[3 + j] = 0.5f * (g0 + g1 + g2);
                    t[6 + j] = 0.5f * (g0 - g1 + g2);
                    t[9 + j] = g2;
                }
                for (int i = 0; i < 4; i++) { // (G g) G^T, row i
                    float g0 = t[i * 3], g1 = t[i * 3 + 1], g2 = t[i * 3 + 2];
                    u[(i * 4) * us + p] = g0;
                    u[(i * 4 + 1) * us + p] = 0.5f * (g0 + g1 + g2);
                    u[(i * 4 + 2) * us + p] = 0.5f * (g0 - g1 + g2);
                    u[(i * 4 + 3) * us + p] = g2;
                }
            }
        });
        return u;
    }

    /**
     * V_xi (C x T) = B^T d B for each 4x4 input tile d of images {@code [n0, n0+imgs)}, zero outside
     * the image; B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]. A row of tiles
     * at a time, vectorized over the tiles of the row: the four input rows are first split into even
     * and odd columns (tile k starts at column 2k, so it reads even k, odd k, even k+1, odd k+1);
     * B^T combines the rows, B the columns. Tasks own whole (image, channel) planes.
     */
    private static void inputTransform(Geo g, float[] x, int xo, int n0, int imgs, float[] v) {
        int ti = g.tilesPerImage(), t = imgs * ti, cs = stride(g.c * t), tw = g.tw(), len = tw + 1;
        Parallel.range(imgs * g.c, (p0, p1) -> {
            float[] ev = new float[4 * len], od = new float[4 * len];
            for (int p = p0; p < p1; p++) {
                int ni = p / g.c, ci = p % g.c, plane = xo + ((n0 + ni) * g.c + ci) * g.h * g.w;
                for (int th = 0; th < g.th(); th++) {
                    for (int i = 0; i < 4; i++) split(x, plane, g.h, g.w, 2 * th - g.ph + i, -g.pw, ev, od, i * len, len);
                    rowsBt(ev, len);
                    rowsBt(od, len);
                    int at = ci * t + ni * ti + th * tw;
                    for (int i = 0; i < 4; i++) {
                        int o0 = at + 4 * i * cs, o1 = o0 + cs, o2 = o1 + cs, o3 = o2 + cs, r = i * len;
                        for (int k = 0; k < tw; k++) {
                            float e0 = ev[r + k], e1 = ev[r + k + 1], d0 = od[r + k], d1 = od[r + k + 1];
                            v[o0 + k] = e0 - e1;
                            v[o1 + k] = d0 + e1;
                            v[o2 + k] = e1 - d0;
                            v[o3 + k] = d0 - d1;
                        }
                    }
                }
            }
        });
    }

    /** B^T over four rows of {@code len} values, in place: d0 - d2, d1 + d2, d2 - d1, d1 - d3. */
    private static void rowsBt(float[] d, int len) {
        for (int k = 0; k < len; k++) {
            float d0 = d[k], d1 = d[len + k], d2 = d[2 * len + k], d3 = d[3 * len + k];
            d[k] = d0 - d2;
            d[len + k] = d1 + d2;
            d[2 * len + k] = d2 - d1;
            d[3 * len + k] = d1 - d3;
        }
    }

    /**
     * Row {@code r} of an h x w plane, columns {@code shift + 2k} into {@code ev[off + k]} and
     * {@code shift + 2k + 1} into {@code od[off + k]} for k < len; zero outside the plane.
     */
    private static void split(float[] x, int plane, int h, int w, int r, int shift, float[] ev, float[] od, int off, int len) {
        if (r < 0 || r >= h) {
            Arrays.fill(ev, off, off + len, 0f);
            Arrays.fill(od, off, off + len, 0f);
            return;
        }
        int row = plane + r * w;
        // k in [lo, hi): both columns inside the row; the few k outside take the bounds-checked path.
        int lo = Math.min(len, Math.max(0, Math.ceilDiv(-shift, 2))), hi = Math.max(lo, Math.min(len, Math.floorDiv(w - 2 - shift, 2) + 1));
        for (int k = lo, c = row + shift + 2 * lo; k < hi; k++, c += 2) {
            ev[off + k] = x[c];
            od[off + k] = x[c + 1];
        }
        for (int k = 0; k < lo; k++) splitEdge(x, row, w, shift + 2 * k, ev, od, off + k);
        for (int k = hi; k < len; k++) splitEdge(x, row, w, shift + 2 * k, ev, od, off + k);
    }

    /** Columns c and c + 1 of a row of width w into ev[at] and od[at], 0 outside the row. */
    private static void splitEdge(float[] x, int row, int w, int c, float[] ev, float[] od, int at) {
        ev[at] = c >= 0 && c < w ? x[row + c] : 0f;
        od[at] = c + 1 >= 0 && c + 1 < w ? x[row + c + 1] : 0f;
    }

    /**
     * E_xi (O x T) = A dy A^T for each 2x2 tile of dy (zero beyond an odd edge), A^T = [[1, 1, 1, 0],
     * [0, 1, -1, -1]]: the adjoint of the output transform. A row of tiles at a time, as above.
     */
    private static void gradTransform(Geo g, float[] dy, int dyo, int n0, int imgs, float[] e) {
        int ti = g.tilesPerImage(), t = imgs * ti, os = stride(g.o * t), oh = g.oh(), ow = g.ow(), tw = g.tw();
        Parallel.range(imgs * g.o, (p0, p1) -> {
            float[] ev = new float[2 * tw], od = new float[2 * tw];
            for (int p = p0; p < p1; p++) {
                int ni = p / g.o, oi = p % g.o, plane = dyo + ((n0 + ni) * g.o + oi) * oh * ow;
                for (int th = 0; th < g.th(); th++) {
                    for (int i = 0; i < 2; i++) split(dy, plane, oh, ow, 2 * th + i, 0, ev, od, i * tw, tw);
                    int at = oi * t + ni * ti + th * tw;
                    // rows of [a b; c d] through A: (a, b) -> (a, a + b, a - b, -b); then the rows combine the same way.
                    for (int k = 0; k < tw; k++) {
                        float a = ev[k], b = od[k], c = ev[tw + k], d = od[tw + k];
                        float t0 = a, t1 = a + b, t2 = a - b, t3 = -b, b0 = c, b1 = c + d, b2 = c - d, b3 = -d;
                        int o = at + k;
                        e[o] = t0; e[o + os] = t1; e[o + 2 * os] = t2; e[o + 3 * os] = t3;
                        e[o + 4 * os] = t0 + b0; e[o + 5 * os] = t1 + b1; e[o + 6 * os] = t2 + b2; e[o + 7 * os] = t3 + b3;
                        e[o + 8 * os] = t0 - b0; e[o + 9 * os] = t1 - b1; e[o + 10 * os] = t2 - b2; e[o + 11 * os] = t3 - b3;
                        e[o + 12 * os] = -b0; e[o + 13 * os] = -b1; e[o + 14 * os] = -b2; e[o + 15 * os] = -b3;
                    }
                }
            }
        });
    }
}
