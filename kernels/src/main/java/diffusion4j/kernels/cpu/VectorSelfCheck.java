package diffusion4j.kernels.cpu;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import jdk.incubator.vector.FloatVector;

/**
 * Whether this JVM will compile Vector API calls to SIMD instructions. The Vector API is only fast
 * once C2 intrinsifies it; under the interpreter or C1 every lanewise call runs as boxed Java code,
 * 10-100x slower than scalar loops, and nothing else tells the user why. So the backend checks once
 * at open and logs one warning naming each cause:
 * <ul>
 *   <li>interpreter only: {@code java.vm.info} says "interpreted" ({@code -Xint}), or {@code -XX:-UseCompiler};</li>
 *   <li>C2 off: tiered compilation stopping below level 4 ({@code -XX:TieredStopAtLevel=1..3});</li>
 *   <li>no useful SIMD width: the preferred float species is narrower than 128 bits.</li>
 * </ul>
 *
 * @param interpreterOnly no JIT at all
 * @param c2Disabled      the JIT stops before C2
 * @param preferredBits   {@code FloatVector.SPECIES_PREFERRED.vectorBitSize()}
 * @param problems        one sentence per cause; empty when SIMD is expected to work
 */
public record VectorSelfCheck(boolean interpreterOnly, boolean c2Disabled, int preferredBits, List<String> problems) {
    private static final System.Logger LOG = System.getLogger("diffusion4j.kernels.cpu");
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    public VectorSelfCheck {
        problems = List.copyOf(problems);
    }

    /** True when nothing stands in the way of SIMD code. */
    public boolean simd() {
        return problems.isEmpty();
    }

    /** The one-line warning to log, or empty when {@link #simd()}. */
    public Optional<String> warning() {
        if (simd()) return Optional.empty();
        return Optional.of("diffusion4j CPU backend: the Vector API will not be compiled to SIMD on this JVM, so kernels will run "
                + "many times slower: " + String.join("; ", problems)
                + ". Run with the default JIT (no -Xint, no -XX:TieredStopAtLevel below 4) on a CPU with SIMD, or pick another device.");
    }

    /** The check for the running JVM. */
    public static VectorSelfCheck current() {
        return evaluate(System.getProperty("java.vm.info", ""), ManagementFactory.getRuntimeMXBean().getInputArguments(),
                VectorSelfCheck::vmOption, FloatVector.SPECIES_PREFERRED.vectorBitSize());
    }

    /** The running HotSpot VM's effective value of flag {@code name}, or null where this VM has no such flag. */
    static String vmOption(String name) {
        HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        if (hs == null) return null;
        try {
            return hs.getVMOption(name).getValue();
        } catch (IllegalArgumentException notAnOption) { // not HotSpot, or not this architecture's flag
            return null;
        }
    }

    /**
     * The decision, from synthetic or real inputs.
     *
     * @param vmInfo        the {@code java.vm.info} property, e.g. "mixed mode, sharing" or "interpreted mode"
     * @param jvmArgs       the JVM's input arguments; read when {@code vmOption} does not know a flag
     * @param vmOption      a HotSpot flag's effective value by name ("TieredStopAtLevel"), or null when unknown
     * @param preferredBits width of the preferred float species
     */
    public static VectorSelfCheck evaluate(String vmInfo, List<String> jvmArgs, Function<String, String> vmOption, int preferredBits) {
        List<String> problems = new ArrayList<>();
        boolean interpreted = vmInfo.toLowerCase(Locale.ROOT).contains("interpreted") || jvmArgs.contains("-Xint")
                || !flag(vmOption, jvmArgs, "UseCompiler", true);
        if (interpreted) {
            problems.add("the JVM runs interpreted only (java.vm.info \"" + vmInfo + "\")");
        }
        int level = level(vmOption, jvmArgs);
        boolean tiered = flag(vmOption, jvmArgs, "TieredCompilation", true);
        // Without tiered compilation the JVM compiles with C2 directly and ignores TieredStopAtLevel.
        boolean c2Off = !interpreted && tiered && level < 4;
        if (c2Off) {
            problems.add("C2 is disabled (TieredStopAtLevel=" + level + " < 4), and only C2 compiles the Vector API to SIMD");
        }
        if (preferredBits < 128) {
            problems.add("the preferred float vector is " + preferredBits + " bits (< 128), no useful SIMD width");
        }
        return new VectorSelfCheck(interpreted, c2Off, preferredBits, problems);
    }

    /** Logs the warning once per JVM, however many backends open. Returns the check. */
    static VectorSelfCheck checkAndWarn() {
        VectorSelfCheck check = current();
        check.warning().ifPresent(w -> {
            if (WARNED.compareAndSet(false, true)) LOG.log(System.Logger.Level.WARNING, w);
        });
        return check;
    }

    private static int level(Function<String, String> vmOption, List<String> args) {
        String v = vmOption.apply("TieredStopAtLevel");
        if (v == null) v = lastValue(args, "-XX:TieredStopAtLevel=");
        if (v == null) return 4;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("TieredStopAtLevel is not a number: '" + v + "'", e);
        }
    }

    /** A boolean HotSpot flag: its effective value, else the last -XX:+/-name argument, else the default. */
    private static boolean flag(Function<String, String> vmOption, List<String> args, String name, boolean dflt) {
        String v = vmOption.apply(name);
        if (v != null) return Boolean.parseBoolean(v.trim());
        for (int i = args.size() - 1; i >= 0; i--) {
            if (args.get(i).equals("-XX:+" + name)) return true;
            if (args.get(i).equals("-XX:-" + name)) return false;
        }
        return dflt;
    }

    private static String lastValue(List<String> args, String prefix) {
        for (int i = args.size() - 1; i >= 0; i--) {
            if (args.get(i).startsWith(prefix)) return args.get(i).substring(prefix.length());
        }
        return null;
    }
}
