package diffusion4j.kernels.cpu;

import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;

/**
 * Batched matrix product on {@link Gemm}. Strides go straight into the GEMM's packing, so
 * transposed, sliced and batch-broadcast (stride 0) operands are read in place, never copied.
 * Many small products run one per thread (each GEMM then serial); few large ones run one after
 * another, each split across threads inside the GEMM.
 */
public final class CpuMatmul {
    private CpuMatmul() {}

    /** Per-matrix work below which the batch, not the GEMM, is split across threads. */
    private static final long SMALL_PRODUCT = 1L << 21;

    /**
     * @param a (B, M, K), any strides; not modified
     * @param b (B, K, N), any strides; not modified
     * @return (B, M, N) dense
     */
    public static Storage matmul(Tensor a, Tensor b) {
        Layout la = a.layout(), lb = b.layout();
        if (la.rank() != 3 || lb.rank() != 3 || la.dim(0) != lb.dim(0) || la.dim(2) != lb.dim(1)) {
            throw new IllegalArgumentException("matmul: expected (B, M, K) and (B, K, N), got " + la + " and " + lb);
        }
        int batch = la.dim(0), m = la.dim(1), k = la.dim(2), n = lb.dim(2);
        float[] x = HeapStorage.of(a.storage()), y = HeapStorage.of(b.storage());
        boolean splitBatch = batch > 1 && ((long) m * n * k < SMALL_PRODUCT || batch >= 4 * Parallel.threads());
        if (splitBatch || batch == 0) {
            float[] out = TensorScope.array(batch * m * n);
            Parallel.range(batch, (b0, b1) -> products(b0, b1, la, x, lb, y, out));
            return new HeapStorage(out);
        }
        // One product after another, each split across threads inside the GEMM; the first one
        // allocates the output while its B is being packed (the JVM zeroes new arrays; a scope's
        // pool hands out an old one).
        float[] out = Gemm.sgemm(TensorScope.arrayLater(batch * m * n), m, n, k,
                x, la.offset(), la.stride(1), la.stride(2), y, lb.offset(), lb.stride(1), lb.stride(2), 0, n);
        products(1, batch, la, x, lb, y, out);
        return new HeapStorage(out);
    }

    /** Products {@code [b0, b1)} of the batch into {@code out} (B, M, N) dense. */
    private static void products(int b0, int b1, Layout la, float[] x, Layout lb, float[] y, float[] out) {
        int m = la.dim(1), k = la.dim(2), n = lb.dim(2);
        for (int i = b0; i < b1; i++) {
            Gemm.sgemm(false, m, n, k,
                    x, la.offset() + i * la.stride(0), la.stride(1), la.stride(2),
                    y, lb.offset() + i * lb.stride(0), lb.stride(1), lb.stride(2),
                    out, i * m * n, n);
        }
    }
}
