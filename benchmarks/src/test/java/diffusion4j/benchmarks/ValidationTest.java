package diffusion4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ValidationTest {
    private static Tensor ref(float[] data, int... shape) {
        return Tensor.of(Device.REFERENCE, data, shape);
    }

    @Test
    void errorIsMaxDifferenceOverRms() {
        // rms of {3, 4} = sqrt(12.5); the worst difference is 0.01 on the second element.
        double err = Validation.check("t", ref(new float[] {3f, 4.01f}, 2), ref(new float[] {3f, 4f}, 2), 1);
        assertEquals(0.01 / Math.sqrt(12.5), err, 1e-6);
    }

    @Test
    void disagreementBeyondToleranceNamesElementAndValues() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Validation.check("gemm n=2", ref(new float[] {1, 2, 3, 5}, 2, 2), ref(new float[] {1, 2, 3, 4}, 2, 2)));
        assertTrue(e.getMessage().startsWith("validation failed: gemm n=2: element 3 is 5.0, the reference says 4.0"), e.getMessage());
    }

    @Test
    void nanFailsEvenWhenEarlierElementsAgree() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Validation.check("x", ref(new float[] {1, Float.NaN, 7}, 3), ref(new float[] {1, 2, 3}, 3)));
        assertTrue(e.getMessage().contains("element 1 is NaN"), e.getMessage());
    }

    @Test
    void shapeMismatchIsReported() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Validation.check("y", ref(new float[4], 4), ref(new float[4], 2, 2)));
        assertEquals("validation failed: y: shape (4,) but the reference has (2, 2)", e.getMessage());
    }

    @Test
    void allZeroReferenceUsesAbsoluteError() {
        assertEquals(5e-4, Validation.check("z", ref(new float[] {0, 5e-4f}, 2), ref(new float[2], 2)), 1e-9);
    }

    @Test
    void edgeSlicesAreFirstAndLast() {
        assertArrayEquals(new int[] {0, 24}, Validation.edgeStarts(32, 8));
        assertArrayEquals(new int[] {0}, Validation.edgeStarts(4, 8));
        assertArrayEquals(new int[] {0}, Validation.edgeStarts(8, 8));
    }

    @Test
    void shapeParamParsesAndNamesTheBadPart() {
        assertArrayEquals(new int[] {32, 64, 16, 8}, ShapeParam.parse("32x64x16x8", "N", "C", "H", "W"));
        assertEquals("shape '32x64' must have the form BxLxD",
                assertThrows(IllegalArgumentException.class, () -> ShapeParam.parse("32x64", "B", "L", "D")).getMessage());
        assertEquals("shape '3xLx4': L is not a number (form BxLxD)",
                assertThrows(IllegalArgumentException.class, () -> ShapeParam.parse("3xLx4", "B", "L", "D")).getMessage());
        assertEquals("shape '3x0x4': L must be >= 1",
                assertThrows(IllegalArgumentException.class, () -> ShapeParam.parse("3x0x4", "B", "L", "D")).getMessage());
    }

    @Test
    void shapeParamTakesTheGpuShapesAndRefusesOverflow() {
        assertArrayEquals(new int[] {128, 1024, 64}, ShapeParam.parse("128x1024x64", "B", "L", "D"));
        assertArrayEquals(new int[] {32, 4096, 64}, ShapeParam.parse("32x4096x64", "B", "L", "D"));
        assertArrayEquals(new int[] {64, 256, 32, 32}, ShapeParam.parse("64x256x32x32", "N", "C", "H", "W"));
        // 2^31 elements (and a product that would wrap a long if multiplied out unchecked) is refused by name.
        assertEquals("shape '128x4096x4096' has more than 2^31-1 elements",
                assertThrows(IllegalArgumentException.class, () -> ShapeParam.parse("128x4096x4096", "B", "L", "D")).getMessage());
        assertEquals("shape '65536x65536x65536x65536' has more than 2^31-1 elements",
                assertThrows(IllegalArgumentException.class, () -> ShapeParam.parse("65536x65536x65536x65536", "N", "C", "H", "W")).getMessage());
    }

    @Test
    void attentionChecksOneRowPerEdgeOnlyPastTheBudget() {
        // 12 L^2 D: 0.8 GFLOP at L = 1024, D = 64 (two rows); 12.9 GFLOP at L = 4096 (one row).
        assertEquals(2, AttentionBenchmark.validationRows(1024, 64));
        assertEquals(1, AttentionBenchmark.validationRows(4096, 64));
        assertEquals(2, AttentionBenchmark.validationRows(7, 4));
    }

    @Test
    void gflopsFromTimePerCall() {
        // 2 n^3 for n = 1000 is 2e9 flop; at 100 ms per call that is 20 GFLOP/s, whatever unit the time is in.
        assertEquals(20.0, FlopProfiler.gflops(2e9, 100, TimeUnit.MILLISECONDS), 1e-9);
        assertEquals(20.0, FlopProfiler.gflops(2e9, 0.1, TimeUnit.SECONDS), 1e-9);
        assertEquals(20.0, FlopProfiler.gflops(2e9, 1e5, TimeUnit.MICROSECONDS), 1e-9);
    }

    @Test
    void gbpsFromTimePerCall() {
        // add of 8M floats moves 3 * 4 * 2^23 = 100.7 MB; at 50 us per call that is 2013 GB/s (decimal GB).
        double bytes = 3.0 * 4 * (1 << 23);
        assertEquals(bytes / 50e-6 / 1e9, FlopProfiler.gbps(bytes, 50, TimeUnit.MICROSECONDS), 1e-9);
        assertEquals(2013.265920, FlopProfiler.gbps(bytes, 0.05, TimeUnit.MILLISECONDS), 1e-6);
    }
}
