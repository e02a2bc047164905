package diffusion4j.autograd;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;

/**
 * Checks the gradients backward computes against central finite differences, element by element.
 *
 * <p>How: every input becomes a parameter on the reference backend (which evaluates each op in
 * double and stores float). The output is reduced to a scalar {@code L = sum(w * f(x))} with fixed
 * random weights w, so every output element matters and errors cannot cancel by symmetry. The
 * analytic gradient is one backward with seed w; the numeric one perturbs each input element by
 * {@code +-eps} and takes {@code (L+ - L-) / (x+ - x-)}, the denominator measured after rounding
 * the perturbed values to float. Cost: two forward passes per input element, so keep inputs small.
 *
 * <p>Why these defaults: storage is float, so each forward carries relative noise near 1e-7; a
 * difference quotient divides it by 2 eps. eps = 1e-2 keeps that noise near 1e-5 while the
 * truncation error of the central difference, eps^2 f'''/6, stays near 1e-5 for smooth ops. An
 * element passes when {@code |analytic - numeric| <= atol + rtol |numeric|} (defaults 1e-3, 1e-2).
 * Inputs must stay away from kinks (relu at 0, ties of max) by more than eps, and tensors the
 * function creates itself (masks, targets) must live on {@link Device#REFERENCE} like the inputs.
 */
public final class GradCheck {
    /** The function under test: takes the inputs as variables, returns any-shaped output. */
    @FunctionalInterface
    public interface Fn {
        Variable apply(Variable... in);
    }

    /** The worst element found; {@code passed} when every element was within tolerance. */
    public record Report(boolean passed, String message, double analytic, double numeric) {}

    private double eps = 1e-2, atol = 1e-3, rtol = 1e-2;
    private long seed = 1234;

    private GradCheck() {}

    /** A checker with the default eps and tolerances. */
    public static GradCheck create() {
        return new GradCheck();
    }

    public GradCheck eps(double e) {
        if (!(e > 0)) throw new IllegalArgumentException("GradCheck: eps must be positive, got " + e);
        eps = e;
        return this;
    }

    public GradCheck tolerance(double absolute, double relative) {
        atol = absolute;
        rtol = relative;
        return this;
    }

    /** Seed of the output weights w. */
    public GradCheck seed(long s) {
        seed = s;
        return this;
    }

    /** {@link #check} with defaults, throwing an AssertionError with the report's message on failure. */
    public static void assertGradients(Fn f, Tensor... inputs) {
        create().assertOk(f, inputs);
    }

    public void assertOk(Fn f, Tensor... inputs) {
        Report r = check(f, inputs);
        if (!r.passed()) throw new AssertionError(r.message());
    }

    /** Compares analytic and numeric gradients of {@code f} at {@code inputs}; see the class comment. */
    public Report check(Fn f, Tensor... inputs) {
        float[][] x = new float[inputs.length][];
        int[][] shapes = new int[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            x[i] = inputs[i].toFloatArray();
            shapes[i] = inputs[i].shape();
        }
        Variable[] params = new Variable[inputs.length];
        for (int i = 0; i < inputs.length; i++) params[i] = Variable.parameter(tensor(x[i], shapes[i]));
        Variable out = f.apply(params);
        if (!out.requiresGrad()) return new Report(false, "gradient check: the output does not depend on any input", 0, 0);
        double[] w = weights(out.numel());
        out.backward(tensor(toFloat(w), out.shape()), false);

        double worstRatio = -1;
        Report worst = new Report(true, "gradient check passed (no input elements)", 0, 0);
        for (int i = 0; i < inputs.length; i++) {
            float[] analytic = params[i].grad() == null ? new float[x[i].length] : params[i].grad().toFloatArray();
            for (int j = 0; j < x[i].length; j++) {
                double numeric = numeric(f, x, shapes, i, j, w);
                double err = Math.abs(analytic[j] - numeric);
                double ratio = err / (atol + rtol * Math.abs(numeric));
                if (!(ratio <= worstRatio) || Double.isNaN(ratio)) {
                    worstRatio = Double.isNaN(ratio) ? Double.POSITIVE_INFINITY : ratio;
                    boolean ok = ratio <= 1;
                    String where = "input " + i + " of shape " + Shapes.format(shapes[i]) + ", element " + Arrays.toString(unravel(j, shapes[i]));
                    worst = new Report(ok, String.format("gradient check %s: worst at %s: analytic %.6g vs numeric %.6g "
                            + "(|diff| %.3g, allowed %.3g = %.1g + %.1g * |numeric|; eps %.1g)", ok ? "passed" : "FAILED", where,
                            (double) analytic[j], numeric, err, atol + rtol * Math.abs(numeric), atol, rtol, eps), analytic[j], numeric);
                }
            }
        }
        return worst;
    }

    /** (L(x + eps e_j) - L(x - eps e_j)) / (actual distance between the two float inputs). */
    private double numeric(Fn f, float[][] x, int[][] shapes, int input, int j, double[] w) {
        float orig = x[input][j];
        float up = (float) (orig + eps), down = (float) (orig - eps);
        x[input][j] = up;
        double lUp = loss(f, x, shapes, w);
        x[input][j] = down;
        double lDown = loss(f, x, shapes, w);
        x[input][j] = orig;
        return (lUp - lDown) / ((double) up - down);
    }

    private static double loss(Fn f, float[][] x, int[][] shapes, double[] w) {
        try (var _ = Autograd.noGrad()) {
            Variable[] in = new Variable[x.length];
            for (int i = 0; i < x.length; i++) in[i] = Variable.constant(tensor(x[i], shapes[i]));
            float[] y = f.apply(in).data().toFloatArray();
            double l = 0;
            for (int k = 0; k < y.length; k++) l += w[k] * y[k];
            return l;
        }
    }

    private double[] weights(int n) {
        Random r = new Random(seed);
        double[] w = new double[n];
        // Exactly representable in float, so the backward seed and the numeric loss use the same w.
        for (int i = 0; i < n; i++) w[i] = (float) (0.5 + r.nextDouble()) * (r.nextBoolean() ? 1 : -1);
        return w;
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    private static Tensor tensor(float[] data, int[] shape) {
        return Tensor.of(Device.REFERENCE, data, shape);
    }

    private static int[] unravel(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % Math.max(shape[d], 1);
            flat /= Math.max(shape[d], 1);
        }
        return idx;
    }
}
