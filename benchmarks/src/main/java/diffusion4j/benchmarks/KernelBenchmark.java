package diffusion4j.benchmarks;

import diffusion4j.tensor.Backend;
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
 * a {@code @Param} device name, so another backend is benchmarked with {@code -p device=opencl:0}
 * instead of new code. Subclasses validate in their {@code @Setup} against the oracle that
 * {@link Validation#oracleFor} picks for the device (the reference for host backends, the CPU
 * backend for OpenCL).
 *
 * <p>Every {@code @Benchmark} method ends with {@link #sync()}: an asynchronous backend (OpenCL)
 * returns from an op once it is enqueued, so without the wait JMH would time the enqueue only.
 *
 * <p>The CPU kernels run on the CPU backend's own thread pool; JMH drives them from one thread.
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

    /** Cached by {@link #benchDevice()} so the timed {@link #sync()} does no registry lookup. */
    private Backend backend;

    /**
     * The device named by {@link #device}; fails naming what exists when no backend serves it.
     * Every {@code @Setup} calls it first, which also caches the backend for {@link #sync()}.
     */
    protected Device benchDevice() {
        Device d = Device.parse(device);
        backend = Backends.get(d);
        return d;
    }

    /** "opencl:0 against cpu": where a trial ran and what checked it, for the validation log line. */
    protected String checkedOn() {
        return device + " against " + Validation.oracleFor(Device.parse(device));
    }

    /** Waits until the benchmarked backend has finished everything queued: the last call of every timed method. */
    protected final void sync() {
        backend.synchronize();
    }

    /** {@link #sync()}, then {@code result}: for timed methods that return their output. */
    protected final <T> T synced(T result) {
        sync();
        return result;
    }
}
