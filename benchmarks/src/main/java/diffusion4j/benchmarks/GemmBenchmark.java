package diffusion4j.benchmarks;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Square single-precision GEMM, {@code C = A B} with A, B (n, n) dense, through {@link Tensor#matmul}.
 * Work: 2 n^3 flop per call, reported as GFLOP/s by {@link FlopProfiler}.
 *
 * <p>Validation: the full product is computed on the benchmarked backend, and its first and last
 * {@link #ROWS} rows are compared with the oracle's product of those rows of A with all of B. That
 * covers every column and both edges of the row tiling, at 2 ROWS/n of the oracle's cost (0.5 GFLOP
 * for the GPU size n = 4096).
 */
public class GemmBenchmark extends KernelBenchmark {
    static final int ROWS = 8;

    /** n, the side of both square matrices; the GPU suite adds 4096 with {@code -p size=4096}. */
    @Param({"256", "512", "1024", "2048"})
    public int size;

    private Tensor a, b;

    @Setup(Level.Trial)
    public void setup() {
        Device dev = benchDevice();
        Twin ta = Twin.gaussian(dev, 11, size, size), tb = Twin.gaussian(dev, 12, size, size);
        a = ta.bench();
        b = tb.bench();
        int rows = Math.min(ROWS, size);
        int[] starts = Validation.edgeStarts(size, ROWS);
        Tensor[] expected = new Tensor[starts.length];
        for (int i = 0; i < starts.length; i++) expected[i] = ta.ref().narrow(0, starts[i], rows).matmul(tb.ref());
        double worst = check(a.matmul(b), starts, rows, expected, "");
        // The scoped case as timed: in a scope, over the array a first scope gave back (contents left from it).
        for (int round = 0; round < 2; round++) {
            try (TensorScope scope = TensorScope.open()) {
                worst = Math.max(worst, check(a.matmul(b), starts, rows, expected, ", scoped"));
            }
        }
        Validation.report("gemm n=" + size + " on " + checkedOn(), worst);
        FlopProfiler.declare(GemmBenchmark.class, "matmul", 2.0 * size * size * size);
        FlopProfiler.declare(GemmBenchmark.class, "matmulScoped", 2.0 * size * size * size);
    }

    /** The worst error of {@code c}'s row blocks at {@code starts} against {@code expected}. */
    private double check(Tensor c, int[] starts, int rows, Tensor[] expected, String how) {
        double worst = 0;
        for (int i = 0; i < starts.length; i++) {
            worst = Math.max(worst, Validation.check("gemm n=" + size + " rows " + starts[i] + ".." + (starts[i] + rows - 1) + how,
                    c.narrow(0, starts[i], rows), expected[i]));
        }
        return worst;
    }

    @Benchmark
    public Tensor matmul() {
        return synced(a.matmul(b));
    }

    /**
     * {@link #matmul} inside a {@link TensorScope}, as products run in a training step: the output's
     * array goes back to the pool when the scope closes and the next call reuses it, where
     * {@link #matmul} gets a new one that the JVM zeroes first (n = 2048: 16 MiB, about 0.9 ms of one
     * core). PyTorch's timing loop reuses its outputs' memory too (malloc hands the freed block back).
     */
    @Benchmark
    public void matmulScoped(Blackhole bh) {
        try (TensorScope scope = TensorScope.open()) {
            bh.consume(matmul());
        }
    }
}
