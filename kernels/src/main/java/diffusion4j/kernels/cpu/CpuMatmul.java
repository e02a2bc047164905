package diffusion4j.kernels.cpu;

import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;

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
        float[] out = new float[batch * m * n];
        Parallel.Range body = (b0, b1) -> {
            for (int i = b0; i < b1; i++) {
                Gemm.sgemm(false, m, n, k,
                        x, la.offset() + i * la.stride(0), la.stride(1), la.stride(2),
                        y, lb.offset() + i * lb.stride(0), lb.stride(1), lb.stride(2),
                        out, i * m * n, n);
            }
        };
        boolean splitBatch = batch > 1 && ((long) m * n * k < SMALL_PRODUCT || batch >= 4 * Parallel.threads());
        if (splitBatch) Parallel.range(batch, body);
        else body.run(0, batch);
        return new HeapStorage(out);
    }
}
