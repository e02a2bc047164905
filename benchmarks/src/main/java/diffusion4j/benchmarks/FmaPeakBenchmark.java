package diffusion4j.benchmarks;

import diffusion4j.kernels.cpu.Parallel;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's measured float32 FMA peak, the ceiling the kernels' GFLOP/s are compared with:
 * register-only {@code FloatVector.fma} chains on every thread of the CPU backend's pool
 * ({@link Parallel#threads()}), no memory traffic.
 *
 * <p>Why {@link #CHAINS} independent accumulators: an FMA has a latency of about 4 cycles and
 * current x86 cores issue two per cycle, so at least 8 chains must be in flight to keep both ports
 * busy; 12 leaves slack for a longer latency and still fits the 16 (AVX2) or 32 (AVX-512) vector
 * registers. Each chain is {@code acc = acc * A + B} with A just below 1, which converges to
 * B / (1 - A) and never overflows or goes denormal (denormals would slow some cores).
 *
 * <p>Work: threads x {@link #ITERATIONS} x chains x lanes x 2 flop per call. Validation: every lane
 * must equal the same chain computed with scalar {@link Math#fma}, bit for bit (one float rounding
 * per step either way), summed within float rounding.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FmaPeakBenchmark {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int CHAINS = 12;
    static final int ITERATIONS = 1 << 20;
    static final float A = 0.99999f, B = 1e-5f;

    private float[] perThread;

    @Setup(Level.Trial)
    public void setup() {
        int threads = Parallel.threads();
        perThread = new float[threads];
        float got = chains(1000), want = 0;
        for (int i = 0; i < 1000; i++) want = Math.fma(want, A, B);
        // Every lane of every chain equals the scalar Math.fma chain bit for bit; chains() returns
        // their sum, whose order of additions is the reduction's, so compare within float rounding.
        double expected = (double) want * CHAINS * S.length();
        if (!(Math.abs(got - expected) <= 1e-5 * expected)) {
            throw new IllegalStateException("FMA peak: vector chains sum to " + got + ", scalar Math.fma chains to " + expected);
        }
        Validation.report("FMA peak (" + CHAINS + " chains x " + S.length() + " lanes, " + threads + " threads)", 0);
        FlopProfiler.declare(FmaPeakBenchmark.class, "fmaPeak", 2.0 * threads * ITERATIONS * CHAINS * S.length());
    }

    @Benchmark
    public float fmaPeak() {
        int threads = perThread.length;
        Parallel.range(threads, 1, (start, end) -> {
            for (int t = start; t < end; t++) perThread[t] = chains(ITERATIONS);
        });
        float s = 0;
        for (float v : perThread) s += v;
        return s;
    }

    /** {@code iterations} steps of CHAINS independent FMA chains; returns the sum of every lane. */
    static float chains(int iterations) {
        FloatVector a = FloatVector.broadcast(S, A), b = FloatVector.broadcast(S, B);
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
                c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < iterations; i++) {
            c0 = c0.fma(a, b); c1 = c1.fma(a, b); c2 = c2.fma(a, b); c3 = c3.fma(a, b);
            c4 = c4.fma(a, b); c5 = c5.fma(a, b); c6 = c6.fma(a, b); c7 = c7.fma(a, b);
            c8 = c8.fma(a, b); c9 = c9.fma(a, b); c10 = c10.fma(a, b); c11 = c11.fma(a, b);
        }
        // Vector adds and one reduceLanes: reading lanes one by one here (lane(i), or the vectors in
        // an array) kept C2 from intrinsifying the method at all, and the loop ran boxed at ~1% of peak.
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }
}
