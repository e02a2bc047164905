package diffusion4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.kernels.cpu.Parallel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The UNet-stage step and FMA-peak benchmarks' {@code @Setup}s: the step validates at a small shape
 * on every device and refuses the {@code broken} one whatever heavy op is wrong; the FMA benchmark's
 * declared work is the closed form.
 */
class ModelBenchmarkSetupTest {
    static final String SMALL = "3x64x4x3";

    @AfterEach
    void healBrokenBackend() {
        BrokenBackendProvider.CORRUPT.clear();
    }

    static UNetStepBenchmark step(String device) {
        UNetStepBenchmark b = new UNetStepBenchmark();
        b.device = device;
        b.stageShape = SMALL;
        return b;
    }

    @ParameterizedTest
    @MethodSource("diffusion4j.benchmarks.BenchmarkSetupTest#devices")
    void unetStepValidatesAndDeclaresItsWork(String device) {
        step(device).setup();
        // by hand: convs 4 x 2*3*64^2*9*12, projections 4 x 2*3*12*64^2, three passes; attention 12*3*12^2*64
        double conv = 2.0 * 3 * 4096 * 9 * 12, proj = 2.0 * 3 * 12 * 4096;
        assertEquals(3 * (4 * conv + 4 * proj) + 12.0 * 3 * 144 * 64,
                FlopProfiler.flopPerCall(UNetStepBenchmark.class.getName() + ".trainStep"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"conv2dBackwardWeight", "groupNormBackward", "attention", "matmul"})
    void aWrongHeavyOpStopsTheStepBenchmark(String op) {
        BrokenBackendProvider.CORRUPT.add(op);
        IllegalStateException e = assertThrows(IllegalStateException.class, step(BrokenBackendProvider.BROKEN.toString())::setup);
        assertTrue(e.getMessage().startsWith("validation failed: UNet stage step " + SMALL + " on broken batch 2 step 1"), e.getMessage());
    }

    @Test
    void fmaPeakDeclaresThreadsTimesChainsTimesLanes() {
        new FmaPeakBenchmark().setup();
        double flop = 2.0 * Parallel.threads() * FmaPeakBenchmark.ITERATIONS * FmaPeakBenchmark.CHAINS * FmaPeakBenchmark.S.length();
        assertEquals(flop, FlopProfiler.flopPerCall(FmaPeakBenchmark.class.getName() + ".fmaPeak"));
    }

    @Test
    void fmaChainsConvergeToTheFixedPoint() {
        // acc = acc * A + B converges to B / (1 - A); after many steps every lane is there.
        double fixed = FmaPeakBenchmark.B / (1 - (double) FmaPeakBenchmark.A);
        double perLane = FmaPeakBenchmark.chains(4_000_000) / (FmaPeakBenchmark.CHAINS * FmaPeakBenchmark.S.length());
        assertEquals(fixed, perLane, 0.01 * fixed);
    }
}
