package diffusion4j.benchmarks;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * The check every benchmark's {@code @Setup} runs before anything is timed (llm.c's dev/cuda
 * habit: reference, validate, then time). A backend that is fast and wrong must not produce a number.
 *
 * <p>Error measure: {@code max_i |actual_i - expected_i| / rms(expected)}. Scaling by the RMS of the
 * whole expected tensor, not by each element, keeps elements that happen to land near zero (where
 * float rounding of a long sum dominates) from failing a correct kernel, while a real bug (a wrong
 * index, a missed tile) moves elements by O(rms) and fails by orders of magnitude.
 *
 * <p>The oracle depends on the device under test ({@link #oracleFor}): host backends are checked
 * against the scalar double-precision reference; OpenCL against the CPU backend, as the benchmark
 * issue asks ("validates against the CPU result first"), because the reference would take minutes
 * on the GPU-sized shapes and the CPU backend is itself tested against the reference.
 */
final class Validation {
    private Validation() {}

    /**
     * Default bound on the normalized error. Float32 kernels with sums of a few thousand terms land
     * around 1e-6..1e-5 against the double-precision reference; 1e-3 leaves room for reduced-precision
     * GPU math (OpenCL native exp) and is still far below what any indexing bug gives.
     */
    static final double TOLERANCE = 1e-3;

    /**
     * The backend whose result a trial on {@code bench} is compared with: {@link Device#CPU} for an
     * OpenCL device, {@link Device#REFERENCE} for everything else (cpu, reference, the test-only
     * broken device), so a CPU trial is never checked against itself.
     */
    static Device oracleFor(Device bench) {
        return bench.kind().equals("opencl") ? Device.CPU : Device.REFERENCE;
    }

    /**
     * Throws {@link IllegalStateException} unless {@code actual} matches {@code expected}.
     *
     * @param what     names the benchmark, shape and output, for the message
     * @param actual   any device, any layout; not modified
     * @param expected any device (normally the oracle), same shape; not modified
     * @return the normalized error, for logging
     */
    static double check(String what, Tensor actual, Tensor expected, double tolerance) {
        if (!Arrays.equals(actual.shape(), expected.shape())) {
            throw new IllegalStateException("validation failed: " + what + ": shape " + Shapes.format(actual.shape())
                    + " but the reference has " + Shapes.format(expected.shape()));
        }
        float[] a = actual.toFloatArray(), e = expected.toFloatArray();
        double sumSq = 0;
        for (float v : e) sumSq += (double) v * v;
        double rms = Math.sqrt(sumSq / Math.max(1, e.length));
        double scale = rms > 0 ? rms : 1;
        double worst = 0;
        int at = -1;
        for (int i = 0; i < a.length; i++) {
            double err = Math.abs((double) a[i] - e[i]) / scale;
            // !(err <= worst) also catches NaN, which must fail rather than compare false forever.
            if (!(err <= worst)) {
                worst = err;
                at = i;
                if (Double.isNaN(err)) break;
            }
        }
        if (!(worst <= tolerance)) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "validation failed: %s: element %d is %s, the reference says %s; error %.3g x rms(%.3g) exceeds the tolerance %.1g",
                    what, at, a[at], e[at], worst, rms, tolerance));
        }
        return worst;
    }

    static double check(String what, Tensor actual, Tensor expected) {
        return check(what, actual, expected, TOLERANCE);
    }

    /**
     * Where to take validation slices of {@code len} along a dim of size {@code n}: the first and the
     * last, so an off-by-one in tiling the tail or a batch index stuck at 0 is seen, while the
     * reference only computes {@code 2 * len} of the {@code n} entries.
     */
    static int[] edgeStarts(int n, int len) {
        if (len >= n) return new int[] {0};
        return new int[] {0, n - len};
    }

    /** Logged once per trial so a run's output shows what was checked and how closely. */
    static void report(String what, double error) {
        System.out.printf(Locale.ROOT, "# validated %s: normalized error %.2e (tolerance %.0e)%n", what, error, TOLERANCE);
    }
}
