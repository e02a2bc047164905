package diffusion4j.tensor.reference;

import diffusion4j.tensor.BinaryOp;
import diffusion4j.tensor.UnaryOp;

/** Elementwise ops on dense double arrays of one shape: each enum row's own {@code apply}. */
final class RefElementwise {
    private RefElementwise() {}

    static double[] unary(UnaryOp op, double[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = op.apply(x[i]);
        return out;
    }

    static double[] binary(BinaryOp op, double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = op.apply(a[i], b[i]);
        return out;
    }

    /** {@code cond != 0 ? a : b}; a NaN condition counts as non-zero, as in C and PyTorch. */
    static double[] where(double[] cond, double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = cond[i] != 0 ? a[i] : b[i];
        return out;
    }
}
