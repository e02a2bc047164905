package diffusion4j.tensor.reference;

/** Softmax and log-softmax along one dim, and their backward, on dense double arrays. */
final class RefSoftmax {
    private RefSoftmax() {}

    /**
     * {@code exp(x - max) / sum exp(x - max)}, or {@code x - max - log(sum exp(x - max))}; subtracting
     * the row max keeps exp from overflowing. A row of all -inf gives NaN, as in PyTorch.
     */
    static double[] softmax(double[] x, int[] shape, int dim, boolean log) {
        int[] a = Strided.around(shape, dim);
        int outer = a[0], n = a[1], inner = a[2];
        double[] y = new double[x.length];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * n * inner + i;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) max = Math.max(max, x[base + j * inner]);
                double sum = 0;
                for (int j = 0; j < n; j++) sum += Math.exp(x[base + j * inner] - max);
                double logSum = Math.log(sum);
                for (int j = 0; j < n; j++) {
                    double shifted = x[base + j * inner] - max;
                    y[base + j * inner] = log ? shifted - logSum : Math.exp(shifted) / sum;
                }
            }
        }
        return y;
    }

    /** {@code y * (dy - sum(dy * y))}, or for log-softmax {@code dy - exp(y) * sum(dy)}, sums along dim. */
    static double[] backward(double[] y, double[] dy, int[] shape, int dim, boolean log) {
        int[] a = Strided.around(shape, dim);
        int outer = a[0], n = a[1], inner = a[2];
        double[] dx = new double[y.length];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * n * inner + i;
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    int e = base + j * inner;
                    sum += log ? dy[e] : dy[e] * y[e];
                }
                for (int j = 0; j < n; j++) {
                    int e = base + j * inner;
                    dx[e] = log ? dy[e] - Math.exp(y[e]) * sum : y[e] * (dy[e] - sum);
                }
            }
        }
        return dx;
    }
}
