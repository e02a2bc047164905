package diffusion4j.benchmarks;

import diffusion4j.tensor.Backends;
import diffusion4j.tensor.Device;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What every kernel benchmark shares (JMH inherits these annotations): average time per call in
 * milliseconds, one fork with the Vector API module, a short warm-up, and the backend under test as
 * a {@code @Param} device name, so a new backend is benchmarked with {@code -p device=opencl}
 * instead of new code. Subclasses validate against {@link Device#REFERENCE} in their {@code @Setup}.
 *
 * <p>The kernels run on the CPU backend's own thread pool; JMH drives them from one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public abstract class KernelBenchmark {
    /** The backend to time, as {@link Device#parse} reads it: "cpu", "reference", "opencl:0". */
    @Param({"cpu"})
    public String device;

    /** The device named by {@link #device}; fails naming what exists when no backend serves it. */
    protected Device benchDevice() {
        Device d = Device.parse(device);
        Backends.get(d);
        return d;
    }
}
