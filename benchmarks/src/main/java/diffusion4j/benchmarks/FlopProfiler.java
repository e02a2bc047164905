package diffusion4j.benchmarks;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Adds a {@code gflops} secondary result (GFLOP/s) to every benchmark that declared its work per
 * call, so the JMH table and JSON carry throughput next to time. Enabled with
 * {@code -prof diffusion4j.benchmarks.FlopProfiler} (run.sh passes it).
 *
 * <p>Why a profiler and not {@code @AuxCounters}: in average-time mode JMH reports an OPERATIONS
 * counter as time per counted unit (ms per MFLOP), the inverse of what anyone reads. The profiler
 * instead turns each iteration's measured time per call into {@code flop / seconds}, and nothing is
 * added to the timed code. It runs inside the forked JVM, where {@code @Setup} has called
 * {@link #declare}.
 */
public final class FlopProfiler implements InternalProfiler {
    private static final Map<String, Double> FLOP_PER_CALL = new ConcurrentHashMap<>();

    /** Called from {@code @Setup}: {@code method} of {@code benchmark} does {@code flop} flop per call. */
    static void declare(Class<?> benchmark, String method, double flop) {
        FLOP_PER_CALL.put(benchmark.getName() + "." + method, flop);
    }

    /** The declared work of a benchmark ("package.Class.method"), or null. */
    static Double flopPerCall(String benchmark) {
        return FLOP_PER_CALL.get(benchmark);
    }

    /**
     * GFLOP/s from a time per call.
     *
     * @param timePerCall in {@code unit} per call (JMH's average-time score)
     */
    static double gflops(double flop, double timePerCall, TimeUnit unit) {
        double seconds = timePerCall * unit.toNanos(1) * 1e-9;
        return flop / seconds * 1e-9;
    }

    @Override public String getDescription() {
        return "GFLOP/s from the work each diffusion4j benchmark declares per call";
    }

    @Override public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {}

    @Override public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                                 IterationResult result) {
        Double flop = flopPerCall(benchmarkParams.getBenchmark());
        // Only average-time scores are time per call; in other modes (or for undeclared benchmarks) say nothing.
        if (flop == null || !benchmarkParams.getMode().equals(org.openjdk.jmh.annotations.Mode.AverageTime)) return List.of();
        double score = result.getPrimaryResult().getScore();
        return List.of(new ScalarResult("gflops", gflops(flop, score, benchmarkParams.getTimeUnit()), "GFLOP/s", AggregationPolicy.AVG));
    }
}
