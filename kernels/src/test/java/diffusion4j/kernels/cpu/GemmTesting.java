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

    /**
     * Times square SGEMMs for one's own information (docs/performance-history.md, GEMM):
     * {@code java --add-modules jdk.incubator.vector -cp <kernels,tensor classes + test-classes>
     * diffusion4j.kernels.cpu.GemmTesting [n ...]}; prints median and best GFLOP/s of single calls
     * after a warm-up, the statistics tools/perf/torch_bench.py reports for PyTorch.
     */
    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {256, 512, 1024, 2048} : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        Random r = new Random(1);
        for (int n : sizes) {
            float[] a = random(r, n * n), b = random(r, n * n), c = new float[n * n];
            int reps = Math.max(11, (int) (1e11 / (2.0 * n * n * n)));
            for (long end = System.nanoTime() + 1_000_000_000L; System.nanoTime() < end; ) {
                Gemm.sgemm(false, n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n); // 1 s warm-up, as torch_bench.py
            }
            double[] t = new double[reps];
            for (int rep = 0; rep < reps; rep++) {
                long t0 = System.nanoTime();
                Gemm.sgemm(false, n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n);
                t[rep] = (System.nanoTime() - t0) * 1e-9;
            }
            java.util.Arrays.sort(t);
            double flop = 2.0 * n * n * n * 1e-9;
            System.out.printf("sgemm %d: median %.2f ms (%.1f GFLOP/s), best %.1f GFLOP/s (%d calls, %d threads)%n",
                    n, t[reps / 2] * 1e3, flop / t[reps / 2], flop / t[0], reps, Parallel.threads());
        }
    }
}
