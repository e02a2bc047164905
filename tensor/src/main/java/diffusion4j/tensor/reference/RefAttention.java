package diffusion4j.tensor.reference;

/**
 * Scaled-dot-product attention {@code softmax(scale * q k^T + mask) v} and its backward, on dense
 * double arrays, one query row at a time with the whole score row materialized: the plain
 * definition that flash-style fused kernels are checked against.
 */
final class RefAttention {
    private RefAttention() {}

    /** out (B, Lq, Dv); lse (B, Lq), -inf for rows that see no key. */
    record Out(double[] out, double[] lse) {}

    /** dq (B, Lq, D), dk (B, Lk, D), dv (B, Lk, Dv). */
    record Grads(double[] dq, double[] dk, double[] dv) {}

    /** The sizes of one call: q (B, Lq, D), k (B, Lk, D), v (B, Lk, Dv). */
    record Dims(int b, int lq, int lk, int d, int dv) {}

    /**
     * Whether query {@code i} of batch {@code b} sees key {@code j}: the key mask (B, Lk) is non-zero
     * there, and with {@code causal} the key is not in the query's future. The offset {@code Lk - Lq}
     * aligns the last query with the last key, so with a KV cache the new queries see all old keys.
     */
    static boolean visible(double[] keyMask, boolean causal, Dims n, int b, int i, int j) {
        if (keyMask != null && keyMask[b * n.lk() + j] == 0) return false;
        return !causal || j <= i + (n.lk() - n.lq());
    }

    /** Row scores {@code scale * q_i . k_j} of the visible keys; -inf for the others. */
    private static double[] scores(double[] q, double[] k, double[] keyMask, boolean causal, double scale, Dims n, int b, int i) {
        double[] s = new double[n.lk()];
        int qo = (b * n.lq() + i) * n.d();
        for (int j = 0; j < n.lk(); j++) {
            if (!visible(keyMask, causal, n, b, i, j)) {
                s[j] = Double.NEGATIVE_INFINITY;
                continue;
            }
            int ko = (b * n.lk() + j) * n.d();
            double dot = 0;
            for (int t = 0; t < n.d(); t++) dot += q[qo + t] * k[ko + t];
            s[j] = scale * dot;
        }
        return s;
    }

    /**
     * @param keyMask (B, Lk) or null; 0 marks a key to ignore
     */
    static Out attention(double[] q, double[] k, double[] v, double[] keyMask, boolean causal, double scale, Dims n) {
        double[] out = new double[n.b() * n.lq() * n.dv()], lse = new double[n.b() * n.lq()];
        for (int b = 0; b < n.b(); b++) {
            for (int i = 0; i < n.lq(); i++) {
                int row = b * n.lq() + i;
                double[] s = scores(q, k, keyMask, causal, scale, n, b, i);
                double max = Double.NEGATIVE_INFINITY;
                for (double x : s) max = Math.max(max, x);
                if (max == Double.NEGATIVE_INFINITY) { // sees no key: output stays 0
                    lse[row] = Double.NEGATIVE_INFINITY;
                    continue;
                }
                double sum = 0;
                for (double x : s) sum += Math.exp(x - max);
                lse[row] = max + Math.log(sum);
                for (int j = 0; j < n.lk(); j++) {
                    double p = Math.exp(s[j] - lse[row]);
                    int vo = (b * n.lk() + j) * n.dv();
                    for (int t = 0; t < n.dv(); t++) out[row * n.dv() + t] += p * v[vo + t];
                }
            }
        }
        return new Out(out, lse);
    }

    /**
     * With {@code p = exp(s - lse)} recomputed from the saved lse, {@code dP_j = dout . v_j} and
     * {@code D = dout . out} (the saved out): {@code dS_j = p_j (dP_j - D)}, then
     * {@code dq = scale * sum_j dS_j k_j}, {@code dk_j += scale * dS_j q}, {@code dv_j += p_j dout}.
     * Rows that saw no key (lse = -inf) contribute nothing.
     */
    static Grads backward(double[] q, double[] k, double[] v, double[] out, double[] lse, double[] dout,
                          double[] keyMask, boolean causal, double scale, Dims n) {
        double[] dq = new double[q.length], dk = new double[k.length], dv = new double[v.length];
        for (int b = 0; b < n.b(); b++) {
            for (int i = 0; i < n.lq(); i++) {
                int row = b * n.lq() + i;
                if (lse[row] == Double.NEGATIVE_INFINITY) continue;
                double[] s = scores(q, k, keyMask, causal, scale, n, b, i);
                int qo = row * n.d(), oo = row * n.dv();
                double rowDot = 0;
                for (int t = 0; t < n.dv(); t++) rowDot += dout[oo + t] * out[oo + t];
                for (int j = 0; j < n.lk(); j++) {
                    if (!visible(keyMask, causal, n, b, i, j)) continue;
                    double p = Math.exp(s[j] - lse[row]);
                    int ko = (b * n.lk() + j) * n.d(), vo = (b * n.lk() + j) * n.dv();
                    double dp = 0;
                    for (int t = 0; t < n.dv(); t++) {
                        dp += dout[oo + t] * v[vo + t];
                        dv[vo + t] += p * dout[oo + t];
                    }
                    double ds = p * (dp - rowDot);
                    for (int t = 0; t < n.d(); t++) {
                        dq[qo + t] += scale * ds * k[ko + t];
                        dk[ko + t] += scale * ds * q[qo + t];
                    }
                }
            }
        }
        return new Grads(dq, dk, dv);
    }
}
