package diffusion4j.kernels.opencl;

import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;

/**
 * Batched SGEMM on the device ({@code matmul.cl}): tiles of C per work-group staged through local
 * memory, a register block per work-item, the batch on the third global dimension. Strides go
 * straight to the kernel, so transposed, narrowed and batch-broadcast (stride 0) operands are read
 * in place. {@link #gemm} is the general form conv2d builds on: C may be a strided window of a
 * larger buffer and may be accumulated into.
 */
public final class ClMatmul {
    private ClMatmul() {}

    /** Tile edge below which a problem uses the small tile: a 64x64 tile on a 5x7 product is mostly idle. */
    private static final int SMALL_TILE = 16;

    /**
     * A strided matrix (or batch of them) in a device buffer: element (b, i, j) is at
     * {@code off + b*batchStride + i*rowStride + j*colStride}.
     */
    record Mat(ClStorage buf, int off, int batchStride, int rowStride, int colStride) {}

    /**
     * @param a (B, M, K), any strides; not modified
     * @param b (B, K, N), any strides; not modified
     * @return (B, M, N) dense
     */
    public static Storage matmul(ClRuntime rt, Tensor a, Tensor b) {
        Layout la = a.layout(), lb = b.layout();
        if (la.rank() != 3 || lb.rank() != 3 || la.dim(0) != lb.dim(0) || la.dim(2) != lb.dim(1)) {
            throw new IllegalArgumentException("matmul: expected (B, M, K) and (B, K, N), got " + la + " and " + lb);
        }
        int batch = la.dim(0), m = la.dim(1), k = la.dim(2), n = lb.dim(2);
        ClStorage out = rt.allocate(batch * m * n);
        gemm(rt, batch, m, n, k,
                new Mat(ClStorage.of(a.storage()), la.offset(), la.stride(0), la.stride(1), la.stride(2)), batch,
                new Mat(ClStorage.of(b.storage()), lb.offset(), lb.stride(0), lb.stride(1), lb.stride(2)),
                new Mat(out, 0, m * n, n, 1), false);
        return out;
    }

    /**
     * {@code C[b] (+)= A[b % aMod] B[b]} for b in [0, batch).
     *
     * @param a          (aMod, M, K) strided; not modified. {@code aMod} repeats A along the batch
     *                   (conv: one weight matrix per group, the batch running over images x groups)
     * @param b          (batch, K, N) strided; not modified
     * @param c          (batch, M, N) with column stride 1; written
     * @param accumulate add to C instead of overwriting it
     */
    static void gemm(ClRuntime rt, int batch, int m, int n, int k, Mat a, int aMod, Mat b, Mat c, boolean accumulate) {
        if (c.colStride() != 1) throw new IllegalArgumentException("gemm: C must have column stride 1, got " + c.colStride());
        if (batch == 0 || m == 0 || n == 0) return;
        // K = 0 needs no special case: the kernel's sums stay 0 and it still writes C.
        Tile t = Tile.choose(rt, m, n);
        int wgM = t.ts / t.wpt, wgN = t.ts / t.wpt;
        long[] global = {(long) ceilDiv(n, t.ts) * wgN, (long) ceilDiv(m, t.ts) * wgM, batch};
        long[] local = {wgN, wgM, 1};
        rt.launch(rt.kernel("matmul.cl", "sgemm", t.options()), global, local,
                m, n, k,
                a.buf(), a.off(), aMod, a.batchStride(), a.rowStride(), a.colStride(),
                b.buf(), b.off(), b.batchStride(), b.rowStride(), b.colStride(),
                c.buf(), c.off(), c.batchStride(), c.rowStride(), accumulate ? 1 : 0);
    }

    /** A square tile edge {@code ts}, {@code wpt} x {@code wpt} outputs per work-item, {@code tsk} deep. */
    private record Tile(int ts, int wpt, int tsk) {
        static Tile choose(ClRuntime rt, int m, int n) {
            int ts = rt.tuning().get("matmul.ts"), wpt = rt.tuning().get("matmul.wpt");
            if (Math.max(m, n) <= ts / 2 && ts > SMALL_TILE) {
                ts = SMALL_TILE;
                wpt = Math.min(wpt, 2);
            }
            int maxWg = rt.info().maxWorkGroup();
            while ((ts / wpt) * (ts / wpt) > maxWg) wpt *= 2; // fewer, fatter work-items on a small-group device
            if (ts % wpt != 0 || wpt > ts) {
                throw new IllegalStateException("matmul: tile " + ts + " is not a multiple of " + wpt + " outputs per work-item");
            }
            return new Tile(ts, wpt, 16);
        }

        String options() {
            return "-DTSM=" + ts + " -DTSN=" + ts + " -DTSK=" + tsk + " -DWPTM=" + wpt + " -DWPTN=" + wpt;
        }
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
