package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.VecMath.S;

import diffusion4j.tensor.Layout;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Copies one strided view into another of the same shape, on all threads: what {@code contiguous()},
 * cat, pad and every permuted or transposed operand of a kernel come down to. The two layouts are
 * coalesced together (size-1 dims dropped, neighbours merged where both views allow it), then the
 * copy takes the first of three forms that applies:
 * <ul>
 *   <li><b>runs</b>: both views step by 1 along the last dim; each run is one vector loop
 *       (System.arraycopy when long). Splitting heads, (B, L, H, Dh) to (B, H, L, Dh), is runs of Dh.
 *   <li><b>transpose</b>: the destination steps by 1 along the last dim and the source along another
 *       dim; each such plane goes through {@link Transpose}'s 16 x 16 register blocks. (N, C, HW) to
 *       (N, HW, C) and a weight's transpose are this form.
 *   <li><b>elements</b>: anything else (broadcast or stepped sources, strided destinations), one
 *       element at a time along the last dim.
 * </ul>
 * These replaced one odometer for all layouts that moved every element through a dense tile with an
 * arraycopy call per run; at the shapes of the UNet-stage benchmark (4 MiB each, two threads) a head
 * split took about 1.5 ms that way and the (N, C, HW) transpose about 1.0 ms (docs/performance.md).
 */
final class StridedCopy {
    private StridedCopy() {}

    /** Elements per thread below which a copy stays on one thread. */
    private static final int GRAIN = 1 << 16;
    /** Runs at least this long go through System.arraycopy, shorter ones through the vector loop. */
    private static final int LONG_RUN = 256;

    /**
     * {@code dst[to(i)] = src[from(i)]} for every index i of the common shape. The destination must
     * not map two indices to one element; the two views must not overlap.
     */
    static void copy(float[] src, Layout from, float[] dst, Layout to) {
        if (!Arrays.equals(from.shape(), to.shape())) {
            throw new IllegalArgumentException("copy: source shape " + Arrays.toString(from.shape())
                    + " and destination shape " + Arrays.toString(to.shape()) + " differ");
        }
        if (from.numel() == 0) return;
        Joint j = Joint.of(from, to);
        int r = j.shape.length, k = r == 0 ? -1 : unitDim(j.s, r - 1);
        if (r == 0) {
            dst[j.d0] = src[j.s0];
        } else if (j.s[r - 1] == 1 && j.d[r - 1] == 1) {
            runs(src, dst, j);
        } else if (j.d[r - 1] == 1 && k >= 0) {
            transpose(src, dst, j, k);
        } else {
            elements(src, dst, j);
        }
    }

    /** The last of dims {@code [0, end)} with stride 1, or -1. */
    private static int unitDim(int[] strides, int end) {
        for (int k = end - 1; k >= 0; k--) if (strides[k] == 1) return k;
        return -1;
    }

    /** Runs of the last dim; a run longer than {@link #GRAIN} is cut into pieces, so one long run (a dense copy) still splits. */
    private static void runs(float[] src, float[] dst, Joint j) {
        int r = j.shape.length, n = j.shape[r - 1], pieces = Math.max(1, n / GRAIN), count = j.numel() / n;
        // The runs in the source's memory order (outer dims by falling source stride), so the
        // source streams in sequentially; the destination then takes a few sequential streams.
        Integer[] order = new Integer[r - 1];
        for (int i = 0; i < r - 1; i++) order[i] = i;
        Arrays.sort(order, (x, y) -> Integer.compare(Math.abs(j.s[y]), Math.abs(j.s[x])));
        int[] outer = new int[r - 1], os = new int[r - 1], od = new int[r - 1];
        for (int i = 0; i < r - 1; i++) {
            outer[i] = j.shape[order[i]];
            os[i] = j.s[order[i]];
            od[i] = j.d[order[i]];
        }
        Parallel.range(count * pieces, Math.max(1, GRAIN * pieces / n), (start, end) -> {
            Odometer o = new Odometer(outer, os, od, j.s0, j.d0, start / pieces);
            for (int t = start; t < end; t++) {
                int p = t % pieces;
                if (p == 0 && t != start) o.next();
                int from = (int) ((long) n * p / pieces), to = (int) ((long) n * (p + 1) / pieces);
                run(src, o.s + from, dst, o.d + from, to - from);
            }
        });
    }

    /** {@code dst[d .. d+n) = src[s .. s+n)}. */
    private static void run(float[] src, int s, float[] dst, int d, int n) {
        if (n >= LONG_RUN) {
            System.arraycopy(src, s, dst, d, n);
            return;
        }
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) FloatVector.fromArray(S, src, s + i).intoArray(dst, d + i);
        for (; i < n; i++) dst[d + i] = src[s + i];
    }

    /**
     * Source stride 1 along dim k, destination stride 1 along the last dim: for every index of the
     * other dims (a plane), {@code dst[dp + i*Dk + c] = src[sp + i + c*Sl]}, i < shape[k], c < last.
     * A task is one plane's strip of {@link Transpose#BLOCK} values of i (that many destination rows).
     */
    private static void transpose(float[] src, float[] dst, Joint j, int k) {
        int r = j.shape.length, m = j.shape[k], n = j.shape[r - 1], dk = j.d[k], sl = j.s[r - 1];
        int[] planeShape = new int[r - 2], ps = new int[r - 2], pd = new int[r - 2];
        for (int i = 0, p = 0; i < r - 1; i++) {
            if (i == k) continue;
            planeShape[p] = j.shape[i];
            ps[p] = j.s[i];
            pd[p++] = j.d[i];
        }
        int strips = (m + Transpose.BLOCK - 1) / Transpose.BLOCK, tasks = j.numel() / (m * n) * strips;
        Parallel.range(tasks, Math.max(1, GRAIN / (Transpose.BLOCK * n)), (start, end) -> {
            Odometer o = new Odometer(planeShape, ps, pd, j.s0, j.d0, start / strips);
            for (int t = start; t < end; t++) {
                int i0 = t % strips * Transpose.BLOCK;
                if (i0 == 0 && t != start) o.next();
                Transpose.transpose(src, o.s + i0, sl, n, Math.min(Transpose.BLOCK, m - i0), dst, o.d + i0 * dk, dk);
            }
        });
    }

    private static void elements(float[] src, float[] dst, Joint j) {
        int r = j.shape.length, n = j.shape[r - 1], sl = j.s[r - 1], dl = j.d[r - 1];
        int[] outer = Arrays.copyOf(j.shape, r - 1), os = Arrays.copyOf(j.s, r - 1), od = Arrays.copyOf(j.d, r - 1);
        Parallel.range(j.numel(), GRAIN, (start, end) -> {
            Odometer o = new Odometer(outer, os, od, j.s0, j.d0, start / n);
            for (int at = start, c = start % n; at < end; o.next(), c = 0) {
                int len = Math.min(n - c, end - at);
                for (int e = 0, s = o.s + c * sl, d = o.d + c * dl; e < len; e++, s += sl, d += dl) dst[d] = src[s];
                at += len;
            }
        });
    }

    /** Both views in the fewest dims: a common shape, each view's strides, each view's offset. */
    private record Joint(int[] shape, int[] s, int[] d, int s0, int d0) {
        static Joint of(Layout from, Layout to) {
            int[] shape = from.shape(), fs = from.strides(), ts = to.strides();
            int[] sh = new int[shape.length], s = new int[shape.length], d = new int[shape.length];
            int r = 0;
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] == 1) continue;
                if (r > 0 && s[r - 1] == fs[i] * shape[i] && d[r - 1] == ts[i] * shape[i]) {
                    sh[r - 1] *= shape[i];
                    s[r - 1] = fs[i];
                    d[r - 1] = ts[i];
                } else {
                    sh[r] = shape[i];
                    s[r] = fs[i];
                    d[r] = ts[i];
                    r++;
                }
            }
            return new Joint(Arrays.copyOf(sh, r), Arrays.copyOf(s, r), Arrays.copyOf(d, r), from.offset(), to.offset());
        }

        int numel() {
            int n = 1;
            for (int x : shape) n *= x;
            return n;
        }
    }

    /** Row-major walk over some dims of both views: the current source and destination offsets. */
    private static final class Odometer {
        private final int[] shape, ss, ds, idx;
        int s, d;

        /** Positioned at row-major index {@code start} of {@code shape}. */
        Odometer(int[] shape, int[] ss, int[] ds, int s0, int d0, int start) {
            this.shape = shape;
            this.ss = ss;
            this.ds = ds;
            this.idx = new int[shape.length];
            s = s0;
            d = d0;
            for (int i = shape.length - 1, rem = start; i >= 0; i--) {
                idx[i] = rem % shape[i];
                rem /= shape[i];
                s += idx[i] * ss[i];
                d += idx[i] * ds[i];
            }
        }

        void next() {
            for (int i = shape.length - 1; i >= 0; i--) {
                s += ss[i];
                d += ds[i];
                if (++idx[i] < shape[i]) return;
                s -= shape[i] * ss[i];
                d -= shape[i] * ds[i];
                idx[i] = 0;
            }
        }
    }
}
