package diffusion4j.tensor.reference;

/** Batched matrix product on dense double arrays. */
final class RefMatmul {
    private RefMatmul() {}

    /**
     * @param a (B, M, K) dense
     * @param b (B, K, N) dense
     * @return (B, M, N); each entry one double sum over k in increasing order
     */
    static double[] matmul(double[] a, double[] b, int batch, int m, int k, int n) {
        double[] out = new double[batch * m * n];
        for (int bi = 0; bi < batch; bi++) {
            int ao = bi * m * k, bo = bi * k * n, oo = bi * m * n;
            for (int i = 0; i < m; i++) {
                // i-k-j order walks b and out along rows; the sum for each (i, j) still runs over k in order.
                for (int kk = 0; kk < k; kk++) {
                    double aik = a[ao + i * k + kk];
                    int brow = bo + kk * n, orow = oo + i * n;
                    for (int j = 0; j < n; j++) out[orow + j] += aik * b[brow + j];
                }
            }
        }
        return out;
    }
}
