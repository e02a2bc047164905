package diffusion4j.benchmarks;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Functional;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Group norm with 32 groups and an affine gamma/beta, as in every UNet block. {@code forward} times
 * {@link Functional#groupNorm}; {@code forwardBackward} adds {@link Functional#groupNormBackward}
 * from the saved mean and rstd. Memory-bound, so the work declared is bytes ({@link #forwardBytes},
 * {@link #backwardBytes}), reported as GB/s by {@link FlopProfiler}.
 *
 * <p>Validation: the oracle is cheap here (a few passes over the input: 1M elements by default,
 * 16.8M for the GPU shape 64x256x32x32), so every output (y, mean, rstd, dx, dgamma, dbeta) is
 * compared in full.
 */
public class GroupNormBenchmark extends KernelBenchmark {
    static final int GROUPS = 32;
    static final float EPS = 1e-5f;

    /** N x C x H x W; C must be a multiple of 32. GPU suite: {@code -p normShape=64x256x32x32}. */
    @Param({"32x128x16x16", "32x256x8x8"})
    public String normShape;

    private Tensor x, gamma, beta, dy;

    @Setup(Level.Trial)
    public void setup() {
        Device dev = benchDevice();
        int[] xShape = ShapeParam.parse(normShape, "N", "C", "H", "W");
        int c = xShape[1];
        // A non-zero mean and non-unit spread, so a kernel that skips centring or scaling fails.
        Twin tx = Twin.gaussian(dev, 31, 0.5f, 2f, xShape), tdy = Twin.gaussian(dev, 34, xShape);
        Twin tg = Twin.gaussian(dev, 32, 1f, 0.1f, c), tb = Twin.gaussian(dev, 33, 0f, 0.1f, c);
        x = tx.bench();
        gamma = tg.bench();
        beta = tb.bench();
        dy = tdy.bench();

        Functional.Norm got = Functional.groupNorm(x, GROUPS, gamma, beta, EPS);
        Functional.NormGrads gotGrads = Functional.groupNormBackward(dy, x, got.mean(), got.rstd(), gamma, GROUPS);
        Functional.Norm ref = Functional.groupNorm(tx.ref(), GROUPS, tg.ref(), tb.ref(), EPS);
        Functional.NormGrads refGrads = Functional.groupNormBackward(tdy.ref(), tx.ref(), ref.mean(), ref.rstd(), tg.ref(), GROUPS);
        double worst = 0;
        worst = Math.max(worst, Validation.check(what("y"), got.y(), ref.y()));
        worst = Math.max(worst, Validation.check(what("mean"), got.mean(), ref.mean()));
        worst = Math.max(worst, Validation.check(what("rstd"), got.rstd(), ref.rstd()));
        worst = Math.max(worst, Validation.check(what("dx"), gotGrads.dx(), refGrads.dx()));
        worst = Math.max(worst, Validation.check(what("dgamma"), gotGrads.dgamma(), refGrads.dgamma()));
        worst = Math.max(worst, Validation.check(what("dbeta"), gotGrads.dbeta(), refGrads.dbeta()));
        // The scoped case again over arrays recycled by a first scope (contents left from it).
        for (int round = 0; round < 2; round++) {
            try (TensorScope scope = TensorScope.open()) {
                Functional.Norm sn = Functional.groupNorm(x, GROUPS, gamma, beta, EPS);
                Functional.NormGrads sg = Functional.groupNormBackward(dy, x, sn.mean(), sn.rstd(), gamma, GROUPS);
                worst = Math.max(worst, Validation.check(what("y, scoped"), sn.y(), ref.y()));
                worst = Math.max(worst, Validation.check(what("dx, scoped"), sg.dx(), refGrads.dx()));
            }
        }
        Validation.report("groupNorm " + normShape + " on " + checkedOn(), worst);

        long n = xShape[0], elements = n * c * xShape[2] * xShape[3];
        FlopProfiler.declareBytes(GroupNormBenchmark.class, "forward", forwardBytes(elements, c, n * GROUPS));
        double fb = forwardBytes(elements, c, n * GROUPS) + backwardBytes(elements, c, n * GROUPS);
        FlopProfiler.declareBytes(GroupNormBenchmark.class, "forwardBackward", fb);
        FlopProfiler.declareBytes(GroupNormBenchmark.class, "forwardBackwardScoped", fb);
    }

    /**
     * Minimum traffic of the forward op: read x, gamma, beta; write y, mean, rstd (float32). A
     * kernel that reads x twice (statistics, then normalization) is charged for it in time.
     *
     * @param elements N C H W
     * @param channels C
     * @param blocks   N groups, the count of mean and rstd values
     */
    static double forwardBytes(long elements, long channels, long blocks) {
        return Float.BYTES * (2.0 * elements + 2.0 * channels + 2.0 * blocks);
    }

    /** Minimum traffic of the backward op: read dy, x, mean, rstd, gamma; write dx, dgamma, dbeta. */
    static double backwardBytes(long elements, long channels, long blocks) {
        return Float.BYTES * (3.0 * elements + 3.0 * channels + 2.0 * blocks);
    }

    private String what(String output) {
        return "groupNorm " + normShape + " " + output;
    }

    @Benchmark
    public void forward(Blackhole bh) {
        Functional.Norm n = Functional.groupNorm(x, GROUPS, gamma, beta, EPS);
        bh.consume(n.y());
        bh.consume(n.mean());
        bh.consume(n.rstd());
        sync();
    }

    @Benchmark
    public void forwardBackward(Blackhole bh) {
        Functional.Norm n = Functional.groupNorm(x, GROUPS, gamma, beta, EPS);
        Functional.NormGrads g = Functional.groupNormBackward(dy, x, n.mean(), n.rstd(), gamma, GROUPS);
        bh.consume(n.y());
        bh.consume(g.dx());
        bh.consume(g.dgamma());
        bh.consume(g.dbeta());
        sync();
    }

    /**
     * {@link #forwardBackward} inside a {@link TensorScope}, as it runs in a training step: the
     * outputs' arrays go back to the pool at the end and the next call reuses them warm, which is
     * what PyTorch's caching allocator does for its own timing loop.
     */
    @Benchmark
    public void forwardBackwardScoped(Blackhole bh) {
        try (TensorScope scope = TensorScope.open()) {
            forwardBackward(bh);
        }
    }
}
