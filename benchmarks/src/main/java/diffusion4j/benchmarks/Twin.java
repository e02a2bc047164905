package diffusion4j.benchmarks;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * The same input data on two devices: {@code bench}, the backend being timed, and {@code ref}, the
 * oracle that checks it ({@link Validation#oracleFor}: the reference backend, or the CPU backend
 * when {@code bench} is OpenCL). The values are drawn once on the host (not by either backend's
 * random kernel), so a bug in a backend's Philox cannot make both sides agree on wrong inputs.
 */
record Twin(Tensor bench, Tensor ref) {

    /**
     * Gaussian values {@code mean + std * N(0, 1)} from a seeded host generator.
     *
     * @param shape any shape; both tensors are dense with this shape
     */
    static Twin gaussian(Device bench, long seed, float mean, float std, int... shape) {
        int n = 1;
        for (int s : shape) n = Math.multiplyExact(n, s);
        SplittableRandom r = new SplittableRandom(seed);
        float[] data = new float[n];
        for (int i = 0; i < n; i++) data[i] = (float) (mean + std * r.nextGaussian());
        return new Twin(Tensor.of(bench, data, shape), Tensor.of(Validation.oracleFor(bench), data, shape));
    }

    /** Standard normal values. */
    static Twin gaussian(Device bench, long seed, int... shape) {
        return gaussian(bench, seed, 0f, 1f, shape);
    }
}
