package diffusion4j.benchmarks;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.profile.Profiler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Runs UNet-stage training steps ({@link UNetStep}) outside JMH, for what JMH cannot measure:
 * <ul>
 *   <li>{@code rss STEPS [NxCxHxW]}: runs STEPS steps and prints one JSON line with the process's
 *       peak resident memory ({@code VmHWM} of /proc/self/status, which covers the JVM's heap, code
 *       and native memory) and the median step time; {@code tools/perf/compare.sh} compares it with
 *       PyTorch's {@code ru_maxrss} over the same steps, running this JVM with {@code -Xmx512m} (its
 *       {@code RSS_HEAP}) as a JVM app would be configured: uncapped, the heap grows towards 1/4 of
 *       RAM before collecting and the peak measures the collector's policy, not the step's need.
 *       The JSON reports the max heap it ran under.</li>
 *   <li>{@code profile STEPS [NxCxHxW]}: installs the per-op {@link Profiler}, runs 10 warm-up steps (2 left
 *       much of the step in the JIT's lower tiers: a fused SiLU backward read 3.6 ms a call instead of 0.3),
 *       then prints the op table of STEPS steps.</li>
 * </ul>
 * Device: {@code -Ddiffusion4j.device} (default cpu). Run with
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar diffusion4j.benchmarks.UNetStepRunner rss 200}.
 */
public final class UNetStepRunner {
    private UNetStepRunner() {}

    private static final int WARMUP_STEPS = 10;

    public static void main(String[] args) throws IOException {
        if (args.length < 2 || !(args[0].equals("rss") || args[0].equals("profile"))) {
            System.err.println("usage: UNetStepRunner rss|profile STEPS [NxCxHxW]");
            System.exit(2);
        }
        int steps = Integer.parseInt(args[1]);
        int[] shape = ShapeParam.parse(args.length > 2 ? args[2] : "32x128x16x16", "N", "C", "H", "W");
        Device dev = Device.parse(System.getProperty("diffusion4j.device", "cpu"));
        if (args[0].equals("profile")) profile(dev, shape, steps);
        else rss(dev, shape, steps);
    }

    private static void rss(Device dev, int[] shape, int steps) throws IOException {
        UNetStep step = new UNetStep(dev, shape);
        double[] ms = new double[steps];
        float loss = 0;
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            loss = step.run().item();
            ms[i] = (System.nanoTime() - t0) * 1e-6;
        }
        Arrays.sort(ms);
        // max_heap_mib says which heap setting the RSS was measured under: without -Xmx the JVM may
        // grow its heap to 1/4 of RAM before collecting, so the peak then measures heap policy.
        System.out.printf(Locale.ROOT, "{\"steps\": %d, \"shape\": \"%s\", \"peak_rss_mib\": %.1f, \"max_heap_mib\": %.0f, \"median_step_ms\": %.2f, \"last_loss\": %.6f}%n",
                steps, format(shape), vmHwmKib() / 1024.0, Runtime.getRuntime().maxMemory() / 1048576.0, ms[steps / 2], loss);
    }

    private static void profile(Device dev, int[] shape, int steps) {
        Profiler.install(); // before the first tensor, so every backend comes wrapped
        UNetStep step = new UNetStep(dev, shape);
        for (int i = 0; i < WARMUP_STEPS; i++) step.run().item();
        long t0 = System.nanoTime();
        try (Profiler.Scope s = Profiler.scope()) {
            for (int i = 0; i < steps; i++) step.run().item();
            double wall = (System.nanoTime() - t0) * 1e-6;
            System.out.printf(Locale.ROOT, "UNet stage %s on %s, %d steps: wall %.1f ms per step, backend ops %.1f ms per step%n%n",
                    format(shape), dev, steps, wall / steps, s.report().totalNanos() * 1e-6 / steps);
            System.out.print(s.report().toTable());
        }
    }

    private static String format(int[] shape) {
        return String.join("x", Arrays.stream(shape).mapToObj(String::valueOf).toList());
    }

    /** Peak resident set size of this process in KiB (VmHWM), or -1 where /proc is missing. */
    static long vmHwmKib() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) return -1;
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return -1;
    }
}
