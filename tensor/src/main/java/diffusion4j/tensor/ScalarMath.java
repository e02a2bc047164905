package diffusion4j.tensor;

/** Scalar definitions shared by every CPU-side implementation: the exact forms the ops mean. */
public final class ScalarMath {
    private ScalarMath() {}

    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

    /**
     * The error function in double, accurate to about 1e-13: a Taylor series for |x| < 3 and a
     * continued fraction for erfc beyond (Numerical Recipes 3rd ed., section 6.2).
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        if (ax < 3) {
            double sum = 0, term = x;
            double x2 = x * x;
            for (int n = 0; n < 200; n++) {
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
                term *= -x2 / (n + 1);
            }
            return TWO_OVER_SQRT_PI * sum;
        }
        if (ax > 6) return Math.signum(x);
        // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) via modified Lentz.
        double tiny = 1e-300;
        double f = ax, c = ax, d = 0;
        for (int i = 1; i < 300; i++) {
            double a = i * 0.5;
            d = ax + a * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = ax + a / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) break;
        }
        double erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        return Math.signum(x) * (1 - erfc);
    }

    public static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    /** gelu(x) = x * Phi(x) (Hendrycks and Gimpel 2016, eq. 1). */
    public static double geluErf(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    /** The tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    public static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }
}
