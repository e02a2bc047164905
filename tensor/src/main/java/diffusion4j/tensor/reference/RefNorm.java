package diffusion4j.tensor.reference;

/**
 * Group norm (Wu and He 2018, eq. 1-3) and its backward, on dense double arrays. Layer norm over
 * the last dim of (R, D) is the special case (N, C, S) = (R, D, 1) with one group: the one group
 * spans all D elements and gamma, indexed per channel, becomes per element. So both ops share this
 * code and cannot drift apart.
 */
final class RefNorm {
    private RefNorm() {}

    /** y (N, C, S); mean and rstd (N, groups). */
    record Out(double[] y, double[] mean, double[] rstd) {}

    /** dx (N, C, S); dgamma and dbeta (C), null when there was no gamma. */
    record Grads(double[] dx, double[] dgamma, double[] dbeta) {}

    /**
     * {@code y = (x - mean) * rstd * gamma[c] + beta[c]} with the biased variance of each group and
     * {@code rstd = 1 / sqrt(var + eps)}, like PyTorch.
     *
     * @param x (N, C, S) dense
     * @param gamma (C) or null (then 1)
     * @param beta (C) or null (then 0)
     */
    static Out groupNorm(double[] x, int n, int c, int s, double[] gamma, double[] beta, int groups, double eps) {
        checkGroups(c, groups);
        int m = c / groups * s;
        double[] y = new double[x.length], mean = new double[n * groups], rstd = new double[n * groups];
        for (int ng = 0; ng < n * groups; ng++) {
            int start = ng * m; // a group's channels are adjacent, so its elements are one run
            double sum = 0;
            for (int j = 0; j < m; j++) sum += x[start + j];
            double mu = sum / m;
            // Two passes: the variance of mean-subtracted values does not cancel catastrophically.
            double sq = 0;
            for (int j = 0; j < m; j++) sq += (x[start + j] - mu) * (x[start + j] - mu);
            double r = 1 / Math.sqrt(sq / m + eps);
            mean[ng] = mu;
            rstd[ng] = r;
            for (int j = 0; j < m; j++) {
                int ch = channel(start + j, c, s);
                y[start + j] = (x[start + j] - mu) * r * (gamma == null ? 1 : gamma[ch]) + (beta == null ? 0 : beta[ch]);
            }
        }
        return new Out(y, mean, rstd);
    }

    /**
     * With {@code xhat = (x - mean) * rstd} and {@code g = dy * gamma[c]}, per group:
     * {@code dx = rstd * (g - mean(g) - xhat * mean(g * xhat))}; {@code dgamma[c] = sum dy * xhat},
     * {@code dbeta[c] = sum dy} over batch and space. Uses the saved mean and rstd as given.
     */
    static Grads groupNormBackward(double[] dy, double[] x, double[] mean, double[] rstd, double[] gamma,
                                   int n, int c, int s, int groups) {
        checkGroups(c, groups);
        int m = c / groups * s;
        double[] dx = new double[x.length];
        double[] dgamma = gamma == null ? null : new double[c], dbeta = gamma == null ? null : new double[c];
        for (int ng = 0; ng < n * groups; ng++) {
            int start = ng * m;
            double mu = mean[ng], r = rstd[ng], sumG = 0, sumGx = 0;
            for (int j = 0; j < m; j++) {
                int e = start + j, ch = channel(e, c, s);
                double g = dy[e] * (gamma == null ? 1 : gamma[ch]), xhat = (x[e] - mu) * r;
                sumG += g;
                sumGx += g * xhat;
                if (gamma != null) {
                    dgamma[ch] += dy[e] * xhat;
                    dbeta[ch] += dy[e];
                }
            }
            for (int j = 0; j < m; j++) {
                int e = start + j;
                double g = dy[e] * (gamma == null ? 1 : gamma[channel(e, c, s)]), xhat = (x[e] - mu) * r;
                dx[e] = r * (g - sumG / m - xhat * (sumGx / m));
            }
        }
        return new Grads(dx, dgamma, dbeta);
    }

    /** Layer norm over the last dim of x (R, D): mean and rstd (R). */
    static Out layerNorm(double[] x, int r, int d, double[] gamma, double[] beta, double eps) {
        return groupNorm(x, r, d, 1, gamma, beta, 1, eps);
    }

    static Grads layerNormBackward(double[] dy, double[] x, double[] mean, double[] rstd, double[] gamma, int r, int d) {
        return groupNormBackward(dy, x, mean, rstd, gamma, r, d, 1, 1);
    }

    private static int channel(int element, int c, int s) {
        return element / s % c;
    }

    private static void checkGroups(int c, int groups) {
        if (groups < 1 || c % groups != 0) {
            throw new IllegalArgumentException("groupNorm: " + c + " channels cannot be split into " + groups + " groups");
        }
    }
}
