package diffusion4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Same inputs, same bits, whichever JIT tier runs the kernels. The Vector API's transcendental
 * lanewise ops and {@code reduceLanes(ADD)} round differently in the interpreter than in C2's
 * intrinsics, so a result used to change at the moment a loop got compiled, which happens at a
 * different time in every run. This test runs {@link ReproBattery} here after warming it up (so C2
 * has compiled the hot loops) and in a child JVM under {@code -Xint} (nothing compiled), and
 * requires every hash to match.
 */
class CpuReproducibilityTest {
    /** Battery passes before hashing: enough invocations and back-edges for C2 to compile the loops. */
    private static final int WARMUP_PASSES = 1500;
    private static final long WARMUP_NANOS = TimeUnit.SECONDS.toNanos(8);

    @Test void jitCompiledResultsEqualInterpretedResults() throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < WARMUP_PASSES && System.nanoTime() - start < WARMUP_NANOS; i++) ReproBattery.run();
        Map<String, Long> compiled = ReproBattery.run();
        Map<String, Long> interpreted = runInterpretedChild();

        assertEquals(compiled.keySet(), interpreted.keySet(), "the child ran a different battery");
        List<String> differing = new ArrayList<>();
        for (String name : compiled.keySet()) {
            if (!compiled.get(name).equals(interpreted.get(name))) differing.add(name);
        }
        assertTrue(differing.isEmpty(), "results differ between C2-compiled and -Xint runs: " + differing);
    }

    /**
     * This JVM's flags that decide the preferred vector width and the micro-kernels' register count
     * (a run with {@code -XX:UseAVX=2}, {@code -XX:MaxVectorSize=32} or
     * {@code -Ddiffusion4j.cpu.vectorRegisters=16}, as CI runs the kernels a second time): the child
     * must get the same, or it runs a different battery.
     */
    private static List<String> vectorShapeFlags() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:UseAVX=") || a.startsWith("-XX:MaxVectorSize=") || a.startsWith("-XX:UseSSE=")
                        || a.startsWith("-Ddiffusion4j.cpu.vectorRegisters="))
                .toList();
    }

    /** {@link ReproBattery#main} in a child JVM: same java binary, same class path and vector width, interpreter only. */
    private static Map<String, Long> runInterpretedChild() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Path err = Files.createTempFile("repro-child", ".err");
        try {
            List<String> command = new ArrayList<>(List.of(java, "-Xint", "--add-modules", "jdk.incubator.vector",
                    "-Ddiffusion4j.threads=" + Parallel.threads()));
            command.addAll(vectorShapeFlags());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), ReproBattery.class.getName()));
            Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean done = p.waitFor(120, TimeUnit.SECONDS);
            if (!done) p.destroyForcibly();
            assertTrue(done && p.exitValue() == 0, "the -Xint child failed (exit " + (done ? p.exitValue() : "timeout") + "): "
                    + Files.readString(err));
            Map<String, Long> hashes = new LinkedHashMap<>();
            for (String line : out.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) hashes.put(line.substring(0, eq), Long.parseUnsignedLong(line.substring(eq + 1).trim(), 16));
            }
            return hashes;
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
