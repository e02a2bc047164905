package diffusion4j.kernels.opencl;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Backends;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import java.util.Random;

/**
 * A quick SGEMM timing on the first OpenCL device (not a test, not a benchmark suite: the JMH
 * benchmarks module is the place for numbers to keep). Checks each product against the CPU
 * backend first, then times square products and prints GFLOP/s. Run from the kernels module
 * with the test class path: {@code java -cp ... diffusion4j.kernels.opencl.ClHeavySgemmTiming 512 1024}.
 */
public final class ClHeavySgemmTiming {
    private ClHeavySgemmTiming() {}

    public static void main(String[] args) {
        OpenClBackend cl = (OpenClBackend) Backends.get(Device.opencl(0));
        Backend cpu = Backends.get(Device.CPU);
        ClRuntime rt = cl.runtime();
        System.out.println(rt.info() + " " + rt.tuning());
        for (String arg : args.length == 0 ? new String[] {"512", "1024"} : args) {
            int n = Integer.parseInt(arg);
            float[] a = random(n * n, 1), b = random(n * n, 2);
            Tensor ac = Tensor.of(cl.device(), a, 1, n, n), bc = Tensor.of(cl.device(), b, 1, n, n);
            float[] want = Tensor.wrap(cpu.matmul(Tensor.of(Device.CPU, a, 1, n, n), Tensor.of(Device.CPU, b, 1, n, n)),
                    new int[] {1, n, n}, cpu).toFloatArray();
            float[] got = Tensor.wrap(ClMatmul.matmul(rt, ac, bc), new int[] {1, n, n}, cl).toFloatArray();
            double err = 0;
            for (int i = 0; i < want.length; i++) err = Math.max(err, Math.abs(want[i] - got[i]));
            if (err > 1e-3 * Math.sqrt(n)) throw new AssertionError("sgemm " + n + ": max error " + err + " against the CPU backend");
            int reps = Math.max(2, (int) (2e9 / (2.0 * n * n * n)));
            Storage keep = null;
            long t0 = System.nanoTime();
            for (int r = 0; r < reps; r++) keep = ClMatmul.matmul(rt, ac, bc);
            rt.finish();
            double s = (System.nanoTime() - t0) / 1e9 / reps;
            System.out.printf("sgemm %d x %d x %d: %.2f ms, %.1f GFLOP/s (max error %.2e vs CPU, %d reps, %s)%n",
                    n, n, n, s * 1e3, 2.0 * n * n * n / s / 1e9, err, reps, keep);
        }
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) r.nextGaussian();
        return f;
    }
}
