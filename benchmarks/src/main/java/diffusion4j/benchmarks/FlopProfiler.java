package diffusion4j.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Adds throughput secondary results to every benchmark that declared its work per call: {@code gflops}
 * (GFLOP/s, from {@link #declare}) for compute-bound kernels and {@code gbps} (GB/s, 1e9 bytes, from
 * {@link #declareBytes}) for memory-bound ones, so the JMH table and JSON carry throughput next to
 * time. Enabled with {@code -prof diffusion4j.benchmarks.FlopProfiler} (run.sh passes it).
 *
 * <p>Why a profiler and not {@code @AuxCounters}: in average-time mode JMH reports an OPERATIONS
 * counter as time per counted unit (ms per MFLOP), the inverse of what anyone reads. The profiler
 * instead turns each iteration's measured time per call into {@code work / seconds}, and nothing is
 * added to the timed code. It runs inside the forked JVM, where {@code @Setup} has declared the work.
 *
 * <p>Bytes are counted analytically as the minimum traffic of the computation (each input read once,
 * each output written once), not what a kernel actually moves: a kernel that reads its input twice is
 * charged for it in time, and the figure compares directly with the device's memory bandwidth.
 */
public final class FlopProfiler implements InternalProfiler {
    private static final Map<String, Double> FLOP_PER_CALL = new ConcurrentHashMap<>();
    private static final Map<String, Double> BYTES_PER_CALL = new ConcurrentHashMap<>();

    /** Called from {@code @Setup}: {@code method} of {@code benchmark} does {@code flop} flop per call. */
    static void declare(Class<?> benchmark, String method, double flop) {
        FLOP_PER_CALL.put(benchmark.getName() + "." + method, flop);
    }

    /** Called from {@code @Setup}: {@code method} of {@code benchmark} reads plus writes {@code bytes} per call. */
    static void declareBytes(Class<?> benchmark, String method, double bytes) {
        BYTES_PER_CALL.put(benchmark.getName() + "." + method, bytes);
    }

    /** The declared work of a benchmark ("package.Class.method"), or null. */
    static Double flopPerCall(String benchmark) {
        return FLOP_PER_CALL.get(benchmark);
    }

    /** The declared memory traffic of a benchmark ("package.Class.method"), or null. */
    static Double bytesPerCall(String benchmark) {
        return BYTES_PER_CALL.get(benchmark);
    }

    /**
     * GFLOP/s from a time per call.
     *
     * @param timePerCall in {@code unit} per call (JMH's average-time or sample-time score)
     */
    static double gflops(double flop, double timePerCall, TimeUnit unit) {
        return gigaPerSecond(flop, timePerCall, unit);
    }

    /** GB/s (1e9 bytes per second) from a time per call, as {@link #gflops}. */
    static double gbps(double bytes, double timePerCall, TimeUnit unit) {
        return gigaPerSecond(bytes, timePerCall, unit);
    }

    private static double gigaPerSecond(double amount, double timePerCall, TimeUnit unit) {
        double seconds = timePerCall * unit.toNanos(1) * 1e-9;
        return amount / seconds * 1e-9;
    }

    @Override public String getDescription() {
        return "GFLOP/s and GB/s from the work each diffusion4j benchmark declares per call";
    }

    @Override public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {}

    @Override public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                                 IterationResult result) {
        // Average-time and sample-time scores are a time per call (sample time: the mean of the timed
        // calls, which tools/perf/compare.sh uses for its medians); in other modes say nothing.
        Mode mode = benchmarkParams.getMode();
        if (mode != Mode.AverageTime && mode != Mode.SampleTime) return List.of();
        String name = benchmarkParams.getBenchmark();
        double score = result.getPrimaryResult().getScore();
        TimeUnit unit = benchmarkParams.getTimeUnit();
        List<Result> out = new ArrayList<>(2);
        Double flop = flopPerCall(name), bytes = bytesPerCall(name);
        if (flop != null) out.add(new ScalarResult("gflops", gflops(flop, score, unit), "GFLOP/s", AggregationPolicy.AVG));
        if (bytes != null) out.add(new ScalarResult("gbps", gbps(bytes, score, unit), "GB/s", AggregationPolicy.AVG));
        return out;
    }
}
