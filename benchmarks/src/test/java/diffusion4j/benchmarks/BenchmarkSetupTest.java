package diffusion4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Device;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Runs every benchmark's {@code @Setup} (its validation) at small odd shapes on the host devices
 * ({@link OpenClBenchmarkSetupTest} does opencl:0). On the reference device this still compares two
 * different computations, the full op against the reference on slices, so a wrong slice (dim,
 * offset, or shape) fails it. On {@code broken} (see {@link BrokenBackendProvider}) a wrong last
 * element must stop the benchmark before timing, and every timed method must end by waiting for
 * the backend.
 */
class BenchmarkSetupTest {
    @AfterEach
    void healBrokenBackend() {
        BrokenBackendProvider.CORRUPT.clear();
    }

    /** Every device whose kernels are checked by some setup test: all available ones but the test-only broken device. */
    static Stream<String> devices() {
        return Device.available().stream().filter(d -> !d.equals(BrokenBackendProvider.BROKEN)).map(Device::toString);
    }

    /** The host devices (reference, cpu); OpenCL has its own class, which fails under CI when it cannot run. */
    static Stream<String> hostDevices() {
        return devices().filter(d -> !Device.parse(d).kind().equals("opencl"));
    }

    static GemmBenchmark gemm(String device) {
        GemmBenchmark b = new GemmBenchmark();
        b.device = device;
        b.size = 33;
        return b;
    }

    static Conv2dBenchmark conv(String device) {
        Conv2dBenchmark b = new Conv2dBenchmark();
        b.device = device;
        b.convShape = "3x5x6x7";
        return b;
    }

    static GroupNormBenchmark groupNorm(String device) {
        GroupNormBenchmark b = new GroupNormBenchmark();
        b.device = device;
        b.normShape = "2x64x3x5";
        return b;
    }

    static AttentionBenchmark attention(String device) {
        AttentionBenchmark b = new AttentionBenchmark();
        b.device = device;
        b.attnShape = "5x7x4";
        return b;
    }

    static ElementwiseBenchmark elementwise(String device) {
        ElementwiseBenchmark b = new ElementwiseBenchmark();
        b.device = device;
        b.elements = 1001;
        return b;
    }

    /** Every kernel benchmark at its small test shape on {@code device}. */
    static List<KernelBenchmark> all(String device) {
        return List.of(gemm(device), conv(device), groupNorm(device), attention(device), elementwise(device));
    }

    /** The benchmark's {@code @Setup}: what JMH runs before the first warm-up iteration. */
    static void setup(KernelBenchmark bench) {
        switch (bench) {
            case GemmBenchmark g -> g.setup();
            case Conv2dBenchmark c -> c.setup();
            case GroupNormBenchmark n -> n.setup();
            case AttentionBenchmark a -> a.setup();
            case ElementwiseBenchmark e -> e.setup();
            default -> throw new IllegalArgumentException(bench.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("hostDevices")
    void gemmValidatesAndDeclaresTwoNCubed(String device) {
        gemm(device).setup();
        assertEquals(2.0 * 33 * 33 * 33, FlopProfiler.flopPerCall(GemmBenchmark.class.getName() + ".matmul"));
        assertEquals(2.0 * 33 * 33 * 33, FlopProfiler.flopPerCall(GemmBenchmark.class.getName() + ".matmulScoped"));
    }

    @ParameterizedTest
    @MethodSource("hostDevices")
    void convValidatesAndDeclaresThreePassesForBackward(String device) {
        conv(device).setup();
        double pass = 2.0 * 3 * 5 * 5 * 9 * 6 * 7;
        assertEquals(pass, FlopProfiler.flopPerCall(Conv2dBenchmark.class.getName() + ".forward"));
        assertEquals(3 * pass, FlopProfiler.flopPerCall(Conv2dBenchmark.class.getName() + ".forwardBackward"));
    }

    @ParameterizedTest
    @MethodSource("hostDevices")
    void groupNormValidatesAndDeclaresItsBytes(String device) {
        groupNorm(device).setup();
        // by hand for 2x64x3x5 (1920 elements, 64 channels, 2*32 = 64 mean/rstd values), 4 bytes each:
        // forward reads x, gamma, beta and writes y, mean, rstd; backward reads dy, x, mean, rstd, gamma
        // and writes dx, dgamma, dbeta.
        double forward = 4 * (1920 + 64 + 64 + 1920 + 64 + 64);
        double backward = 4 * (1920 + 1920 + 64 + 64 + 64 + 1920 + 64 + 64);
        assertEquals(forward, FlopProfiler.bytesPerCall(GroupNormBenchmark.class.getName() + ".forward"));
        assertEquals(forward + backward, FlopProfiler.bytesPerCall(GroupNormBenchmark.class.getName() + ".forwardBackward"));
    }

    @ParameterizedTest
    @MethodSource("hostDevices")
    void attentionValidatesAndDeclaresUsefulMatmuls(String device) {
        attention(device).setup();
        double matmul = 2.0 * 5 * 7 * 7 * 4;
        assertEquals(2 * matmul, FlopProfiler.flopPerCall(AttentionBenchmark.class.getName() + ".forward"));
        assertEquals(6 * matmul, FlopProfiler.flopPerCall(AttentionBenchmark.class.getName() + ".forwardBackward"));
    }

    @ParameterizedTest
    @MethodSource("hostDevices")
    void elementwiseValidatesAndDeclaresTwoAndThreeFloatsPerElement(String device) {
        elementwise(device).setup();
        assertEquals(2.0 * 4 * 1001, FlopProfiler.bytesPerCall(ElementwiseBenchmark.class.getName() + ".silu"));
        assertEquals(3.0 * 4 * 1001, FlopProfiler.bytesPerCall(ElementwiseBenchmark.class.getName() + ".add"));
        assertEquals(null, FlopProfiler.flopPerCall(ElementwiseBenchmark.class.getName() + ".silu"));
    }

    /** A benchmark, the backend op to corrupt, and the output and slice the failure must name. */
    static Stream<Arguments> corruptions() {
        String broken = BrokenBackendProvider.BROKEN.toString();
        return Stream.of(
                Arguments.of(gemm(broken), "matmul", "gemm n=33 rows 25..32"),
                Arguments.of(conv(broken), "conv2d", "y (sample 2)"),
                Arguments.of(conv(broken), "conv2dBackwardInput", "dx (sample 2)"),
                Arguments.of(conv(broken), "conv2dBackwardWeight", "dw (output channels 1..4)"),
                Arguments.of(groupNorm(broken), "groupNorm", "2x64x3x5 y"),
                Arguments.of(groupNorm(broken), "groupNormBackward", "2x64x3x5 dx"),
                Arguments.of(attention(broken), "attention", "out (rows 3..4)"),
                Arguments.of(attention(broken), "attentionBackward", "dq (rows 3..4)"),
                Arguments.of(elementwise(broken), "unary", "silu n=1001"),
                Arguments.of(elementwise(broken), "binary", "add n=1001"));
    }

    @ParameterizedTest
    @MethodSource("corruptions")
    void aWrongLastElementStopsTheBenchmark(KernelBenchmark bench, String op, String named) {
        BrokenBackendProvider.CORRUPT.add(op);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> setup(bench));
        assertTrue(e.getMessage().startsWith("validation failed: ") && e.getMessage().contains(named), e.getMessage());
    }

    /**
     * Every {@code @Benchmark} method's last backend call is {@code synchronize}: otherwise an
     * asynchronous backend would be timed enqueueing, not computing. The broken device (the
     * reference, uncorrupted here) records the name of each backend method called.
     */
    @Test
    void everyTimedMethodEndsBySynchronizing() throws Exception {
        Blackhole bh = new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        int timed = 0;
        for (KernelBenchmark bench : all(BrokenBackendProvider.BROKEN.toString())) {
            setup(bench);
            for (Method m : bench.getClass().getMethods()) {
                if (!m.isAnnotationPresent(Benchmark.class)) continue;
                BrokenBackendProvider.lastCall = null;
                Object[] args = Arrays.stream(m.getParameterTypes()).map(t -> t == Blackhole.class ? bh : null).toArray();
                m.invoke(bench, args);
                assertEquals("synchronize", BrokenBackendProvider.lastCall, bench.getClass().getSimpleName() + "." + m.getName());
                timed++;
            }
        }
        assertEquals(12, timed, "gemm 2, conv 2, group norm 3 and attention 3 (one scoped each), elementwise 2 timed methods");
        bh.evaporate("Yes, I am Stephen Hawking, and know a thing or two about black holes.");
    }

    @Test
    void theOracleIsTheCpuBackendForOpenClAndTheReferenceOtherwise() {
        assertEquals(Device.CPU, Validation.oracleFor(Device.opencl(0)));
        assertEquals(Device.CPU, Validation.oracleFor(Device.opencl(2)));
        assertEquals(Device.REFERENCE, Validation.oracleFor(Device.CPU));
        assertEquals(Device.REFERENCE, Validation.oracleFor(Device.REFERENCE));
        assertEquals(Device.REFERENCE, Validation.oracleFor(BrokenBackendProvider.BROKEN));
        GemmBenchmark g = gemm("cpu");
        assertEquals("cpu against reference", g.checkedOn());
        assertFalse(gemm("opencl:1").checkedOn().contains("reference"), gemm("opencl:1").checkedOn());
    }

    @Test
    void anUnknownDeviceFailsNamingTheAvailableOnes() {
        GemmBenchmark b = gemm("tpu");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::setup);
        assertTrue(e.getMessage().startsWith("no backend for device 'tpu'; available: "), e.getMessage());
        assertTrue(e.getMessage().contains("reference"), e.getMessage());
    }
}
