package diffusion4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import diffusion4j.kernels.opencl.OpenClAvailable;
import diffusion4j.tensor.Device;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kernel benchmark's {@code @Setup} on opencl:0, at the small shapes of
 * {@link BenchmarkSetupTest}: the full computation on OpenCL against the CPU backend's result (on
 * slices where the benchmark slices). Skipped with the reason where no OpenCL platform exists;
 * fails under {@code CI=true}, where POCL is installed and a skip would hide a broken benchmark.
 */
@ExtendWith(OpenClAvailable.class)
class OpenClBenchmarkSetupTest {
    static final String OPENCL = Device.opencl(0).toString();

    static Stream<KernelBenchmark> benchmarks() {
        return BenchmarkSetupTest.all(OPENCL).stream();
    }

    @ParameterizedTest
    @MethodSource("benchmarks")
    void validatesAgainstTheCpuBackend(KernelBenchmark bench) {
        BenchmarkSetupTest.setup(bench);
        assertEquals("opencl:0 against cpu", bench.checkedOn());
    }

    /** The inputs the OpenCL trial is checked with live on the CPU backend, holding the same values. */
    @Test
    void twinPutsTheOracleCopyOnTheCpu() {
        Twin t = Twin.gaussian(Device.opencl(0), 7, 3, 5);
        assertEquals(Device.opencl(0), t.bench().device());
        assertEquals(Device.CPU, t.ref().device());
        assertArrayEquals(t.ref().toFloatArray(), t.bench().toFloatArray());
    }
}
