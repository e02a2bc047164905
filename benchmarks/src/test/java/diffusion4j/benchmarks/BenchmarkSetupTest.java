package diffusion4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Device;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every benchmark's {@code @Setup} (its validation) at small odd shapes. On the reference
 * device this still compares two different computations, the full op against the reference on
 * slices, so a wrong slice (dim, offset, or shape) fails it. On {@code broken} (see
 * {@link BrokenBackendProvider}) a wrong last element must stop the benchmark before timing.
 */
class BenchmarkSetupTest {
    @AfterEach
    void healBrokenBackend() {
        BrokenBackendProvider.CORRUPT.clear();
    }

    /** The devices whose kernels are checked here: reference always, cpu once the kernels module serves it. */
    static Stream<String> devices() {
        return Device.available().stream().filter(d -> !d.equals(BrokenBackendProvider.BROKEN)).map(Device::toString);
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

    @ParameterizedTest
    @MethodSource("devices")
    void gemmValidatesAndDeclaresTwoNCubed(String device) {
        gemm(device).setup();
        assertEquals(2.0 * 33 * 33 * 33, FlopProfiler.flopPerCall(GemmBenchmark.class.getName() + ".matmul"));
    }

    @ParameterizedTest
    @MethodSource("devices")
    void convValidatesAndDeclaresThreePassesForBackward(String device) {
        conv(device).setup();
        double pass = 2.0 * 3 * 5 * 5 * 9 * 6 * 7;
        assertEquals(pass, FlopProfiler.flopPerCall(Conv2dBenchmark.class.getName() + ".forward"));
        assertEquals(3 * pass, FlopProfiler.flopPerCall(Conv2dBenchmark.class.getName() + ".forwardBackward"));
    }

    @ParameterizedTest
    @MethodSource("devices")
    void groupNormValidates(String device) {
        groupNorm(device).setup();
    }

    @ParameterizedTest
    @MethodSource("devices")
    void attentionValidatesAndDeclaresUsefulMatmuls(String device) {
        attention(device).setup();
        double matmul = 2.0 * 5 * 7 * 7 * 4;
        assertEquals(2 * matmul, FlopProfiler.flopPerCall(AttentionBenchmark.class.getName() + ".forward"));
        assertEquals(6 * matmul, FlopProfiler.flopPerCall(AttentionBenchmark.class.getName() + ".forwardBackward"));
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
                Arguments.of(attention(broken), "attentionBackward", "dq (rows 3..4)"));
    }

    @ParameterizedTest
    @MethodSource("corruptions")
    void aWrongLastElementStopsTheBenchmark(KernelBenchmark bench, String op, String named) {
        BrokenBackendProvider.CORRUPT.add(op);
        Runnable setup = switch (bench) {
            case GemmBenchmark g -> g::setup;
            case Conv2dBenchmark c -> c::setup;
            case GroupNormBenchmark n -> n::setup;
            case AttentionBenchmark a -> a::setup;
            default -> throw new IllegalArgumentException(bench.toString());
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, setup::run);
        assertTrue(e.getMessage().startsWith("validation failed: ") && e.getMessage().contains(named), e.getMessage());
    }

    @Test
    void anUnknownDeviceFailsNamingTheAvailableOnes() {
        GemmBenchmark b = gemm("tpu");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::setup);
        assertTrue(e.getMessage().startsWith("no backend for device 'tpu'; available: "), e.getMessage());
        assertTrue(e.getMessage().contains("reference"), e.getMessage());
    }
}
