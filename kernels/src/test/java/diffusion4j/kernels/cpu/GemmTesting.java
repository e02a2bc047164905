package diffusion4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Backends;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import java.util.Random;

/**
 * Test helpers for the GEMM-based CPU kernels (matmul, conv, attention): tensors over the
 * reference backend (the kernels only read storage and layout), random data, closeness checks,
 * and a {@link #main} that times SGEMM for one's own information.
 */
final class GemmTesting {
    private GemmTesting() {}

    static Backend reference() {
        return Backends.get(Device.REFERENCE);
    }

    static Tensor tensor(float[] data, int... shape) {
        return Tensor.wrap(new HeapStorage(data), shape, reference());
    }

    static Tensor view(float[] data, Layout layout) {
        return Tensor.wrap(new HeapStorage(data), layout, reference());
    }

    static float[] values(Storage s) {
        return HeapStorage.of(s);
    }

    static float[] random(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) r.nextGaussian();
        return f;
    }

    /**
     * |expected - actual| <= tol * sqrt(depth) * max(1, |expected|): float32 sums of {@code depth}
     * products drift like sqrt(depth) ulps.
     */
    static void assertClose(double[] expected, float[] actual, double tol, int depth, String what) {
        assertEquals(expected.length, actual.length, what + ": lengths differ");
        double t = tol * Math.sqrt(Math.max(1, depth));
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (!(Math.abs(e - a) <= t * Math.max(1, Math.abs(e)))) {
                fail(what + ": element " + i + " expected " + e + " but was " + a + " (tolerance " + t + ")");
            }
        }
    }

    static void assertClose(float[] expected, float[] actual, double tol, int depth, String what) {
        double[] d = new double[expected.length];
        for (int i = 0; i < d.length; i++) d[i] = expected[i];
        assertClose(d, actual, tol, depth, what);
    }

    /** Times square SGEMMs: {@code java ... GemmTesting [n ...]}; prints GFLOP/s. */
    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {256, 512, 1024, 2048} : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        Random r = new Random(1);
        for (int n : sizes) {
            float[] a = random(r, n * n), b = random(r, n * n), c = new float[n * n];
            double best = Double.MAX_VALUE;
            int reps = Math.max(3, (int) (2e10 / (2.0 * n * n * n)));
            for (int rep = 0; rep < reps; rep++) {
                long t0 = System.nanoTime();
                Gemm.sgemm(false, n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n);
                best = Math.min(best, (System.nanoTime() - t0) * 1e-9);
            }
            System.out.printf("sgemm %d: %.1f GFLOP/s (best of %d, %d threads)%n", n, 2.0 * n * n * n / best * 1e-9, reps, Parallel.threads());
        }
    }
}
