package diffusion4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Backends;
import diffusion4j.tensor.Device;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The SIMD self-check's decision on synthetic JVM descriptions, and on this JVM. */
class VectorSelfCheckTest {
    private static final String MIXED = "mixed mode, sharing";
    private static final Function<String, String> NO_MXBEAN = name -> null;

    private static Function<String, String> options(Map<String, String> values) {
        return values::get;
    }

    @Test void defaultJvmWithWideVectorsIsFine() {
        VectorSelfCheck c = VectorSelfCheck.evaluate(MIXED, List.of("-Xmx2g"), NO_MXBEAN, 256);
        assertTrue(c.simd());
        assertTrue(c.warning().isEmpty());
        assertEquals(List.of(), c.problems());
    }

    @Test void interpreterOnlyFromVmInfo() {
        VectorSelfCheck c = VectorSelfCheck.evaluate("interpreted mode, sharing", List.of(), NO_MXBEAN, 256);
        assertTrue(c.interpreterOnly());
        assertFalse(c.c2Disabled(), "C2 is not reported separately when nothing compiles at all");
        assertEquals(1, c.problems().size());
        assertTrue(c.warning().orElseThrow().contains("interpreted only (java.vm.info \"interpreted mode, sharing\")"), c.warning().orElseThrow());
    }

    @Test void interpreterOnlyFromArgumentsOrFlag() {
        assertTrue(VectorSelfCheck.evaluate(MIXED, List.of("-Xint"), NO_MXBEAN, 256).interpreterOnly());
        assertTrue(VectorSelfCheck.evaluate(MIXED, List.of("-XX:-UseCompiler"), NO_MXBEAN, 256).interpreterOnly());
        assertTrue(VectorSelfCheck.evaluate(MIXED, List.of(), options(Map.of("UseCompiler", "false")), 256).interpreterOnly());
    }

    @Test void c2DisabledByTieredStopAtLevelArgument() {
        for (int level = 0; level < 4; level++) {
            VectorSelfCheck c = VectorSelfCheck.evaluate(MIXED, List.of("-XX:TieredStopAtLevel=" + level), NO_MXBEAN, 256);
            assertTrue(c.c2Disabled(), "level " + level);
            assertEquals("C2 is disabled (TieredStopAtLevel=" + level + " < 4), and only C2 compiles the Vector API to SIMD",
                    c.problems().get(0));
        }
        assertFalse(VectorSelfCheck.evaluate(MIXED, List.of("-XX:TieredStopAtLevel=4"), NO_MXBEAN, 256).c2Disabled());
        // The last occurrence wins, as on the java command line.
        assertFalse(VectorSelfCheck.evaluate(MIXED, List.of("-XX:TieredStopAtLevel=1", "-XX:TieredStopAtLevel=4"), NO_MXBEAN, 256).c2Disabled());
    }

    @Test void effectiveFlagValueBeatsArguments() {
        // JAVA_TOOL_OPTIONS or an @argfile can set the level where the argument list does not show it.
        VectorSelfCheck c = VectorSelfCheck.evaluate(MIXED, List.of(), options(Map.of("TieredStopAtLevel", "1")), 256);
        assertTrue(c.c2Disabled());
        assertFalse(VectorSelfCheck.evaluate(MIXED, List.of("-XX:TieredStopAtLevel=1"), options(Map.of("TieredStopAtLevel", "4")), 256)
                .c2Disabled());
    }

    @Test void withoutTieredCompilationTheStopLevelIsIgnored() {
        VectorSelfCheck c = VectorSelfCheck.evaluate(MIXED, List.of("-XX:-TieredCompilation", "-XX:TieredStopAtLevel=1"), NO_MXBEAN, 256);
        assertFalse(c.c2Disabled());
        assertTrue(c.simd());
    }

    @Test void narrowSpeciesIsReported() {
        VectorSelfCheck c = VectorSelfCheck.evaluate(MIXED, List.of(), NO_MXBEAN, 64);
        assertFalse(c.simd());
        assertEquals(List.of("the preferred float vector is 64 bits (< 128), no useful SIMD width"), c.problems());
        assertTrue(VectorSelfCheck.evaluate(MIXED, List.of(), NO_MXBEAN, 128).simd(), "128 bits is enough");
    }

    @Test void severalCausesMakeOneWarning() {
        VectorSelfCheck c = VectorSelfCheck.evaluate(MIXED, List.of("-XX:TieredStopAtLevel=3"), NO_MXBEAN, 64);
        assertEquals(2, c.problems().size());
        String w = c.warning().orElseThrow();
        assertEquals(1, w.lines().count(), "one line");
        assertTrue(w.contains("TieredStopAtLevel=3") && w.contains("64 bits"), w);
    }

    @Test void badLevelValueIsAnError() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> VectorSelfCheck.evaluate(MIXED, List.of("-XX:TieredStopAtLevel=x"), NO_MXBEAN, 256));
        assertEquals("TieredStopAtLevel is not a number: 'x'", e.getMessage());
    }

    @Test void theCpuBackendExposesTheCheckOfThisJvm() {
        CpuBackend cpu = (CpuBackend) Backends.get(Device.CPU);
        VectorSelfCheck c = cpu.selfCheck();
        assertEquals(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize(), c.preferredBits());
        // Surefire runs tests with the default JIT unless someone passes -Xint or a stop level.
        boolean interpreted = System.getProperty("java.vm.info", "").contains("interpreted");
        assertEquals(interpreted, c.interpreterOnly());
    }
}
