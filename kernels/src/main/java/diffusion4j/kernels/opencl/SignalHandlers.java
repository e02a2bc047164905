package diffusion4j.kernels.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Keeps the JVM's own POSIX signal handlers in place across OpenCL platform start-up.
 *
 * <p>Why: the JVM uses SIGSEGV for its own work (safepoint polls, implicit null checks), SIGFPE for
 * implicit division-by-zero checks and SIGUSR2 to suspend threads. An OpenCL platform built on LLVM
 * (POCL, and other CPU or compiler-based drivers) registers LLVM's crash handlers over them when it
 * starts: one-shot handlers ({@code SA_RESETHAND}) that put back the previous handler and let the
 * fault happen again. When two threads fault at once, which a safepoint with two Java threads in
 * compiled code does, the second finds the default action and the process dies with a bare
 * "Segmentation fault" and no JVM crash report. POCL also installs a SIGFPE handler that skips a
 * faulting integer division, Java's included: compiled {@code 7 / 0} returned 7 instead of throwing.
 *
 * <p>So the handlers are read before the platform loads and any that changed are put back after
 * ({@link #captureOnce()}, then {@link #restore()}). LLVM records its handlers as installed and
 * does not install them again. The cost: a crash inside such a driver now produces a JVM crash
 * report instead of LLVM's, and an integer division by zero inside a POCL kernel would crash
 * instead of being skipped (no kernel here divides by a value that can be zero). The JDK's
 * signal-chaining library ({@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}) is not enough on its own:
 * with it, LLVM still replaced SIGUSR2 and SIGINT (POCL 3.1, LLVM 15).
 *
 * <p>Linux only (the layout of {@code struct sigaction} is read as opaque bytes; its handler is the
 * first field on every Linux ABI). Set {@code -Ddiffusion4j.opencl.keepDriverSignalHandlers=true}
 * to leave the driver's handlers in place.
 */
final class SignalHandlers {
    private SignalHandlers() {}

    private static final System.Logger LOG = System.getLogger(SignalHandlers.class.getName());

    /** Linux signal names 1..31 (the same numbers on x86-64 and aarch64); KILL and STOP cannot be caught. */
    private static final String[] NAMES = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
        "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD",
        "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};
    private static final int SIGKILL = 9, SIGSTOP = 19;

    /** Bytes reserved for a {@code struct sigaction} (152 on x86-64 and aarch64 glibc; room to spare). */
    private static final long SIGACTION_BYTES = 256;

    private static final MethodHandle SIGACTION = lookup();

    /** The handlers as the JVM left them, read before the first OpenCL call; null until then or where unsupported. */
    private static MemorySegment jvm;

    private static MethodHandle lookup() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) return null;
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("sigaction")
                    .map(a -> linker.downcallHandle(a, FunctionDescriptor.of(
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS)))
                    .orElse(null);
        } catch (RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "opencl: cannot reach sigaction(2) (" + e
                    + "); an LLVM-based OpenCL driver may replace the JVM's signal handlers");
            return null;
        }
    }

    /**
     * Reads the installed handlers, once per process; call before the first OpenCL call. Later
     * calls do nothing, so the record stays the JVM's.
     */
    static synchronized void captureOnce() {
        if (SIGACTION == null || jvm != null || Boolean.getBoolean("diffusion4j.opencl.keepDriverSignalHandlers")) return;
        MemorySegment saved = Arena.global().allocate(SIGACTION_BYTES * NAMES.length, 16);
        for (int sig = 1; sig < NAMES.length; sig++) {
            if (sig != SIGKILL && sig != SIGSTOP && call(sig, MemorySegment.NULL, slot(saved, sig)) != 0) return;
        }
        jvm = saved;
    }

    /**
     * Puts back every handler that changed since {@link #captureOnce()} and returns the names of the
     * signals restored (empty when nothing changed or nothing was captured). Call after each OpenCL
     * call that can load or run a driver's compiler.
     */
    static synchronized List<String> restore() {
        List<String> restored = new ArrayList<>();
        if (jvm == null) return restored;
        for (int sig = 1; sig < NAMES.length; sig++) {
            if (sig == SIGKILL || sig == SIGSTOP) continue;
            MemorySegment was = slot(jvm, sig);
            if (currentHandler(sig) != was.get(ValueLayout.JAVA_LONG, 0) && call(sig, was, MemorySegment.NULL) == 0) {
                restored.add(NAMES[sig]);
            }
        }
        if (!restored.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, "opencl: the driver replaced the JVM's handlers for " + restored
                    + "; put back (see SignalHandlers)");
        }
        return restored;
    }

    /** The address of the handler installed for signal {@code sig} now (0 where unsupported). */
    static long currentHandler(int sig) {
        if (SIGACTION == null) return 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(SIGACTION_BYTES, 16);
            return call(sig, MemorySegment.NULL, s) == 0 ? s.get(ValueLayout.JAVA_LONG, 0) : 0;
        }
    }

    private static MemorySegment slot(MemorySegment all, int sig) {
        return all.asSlice(SIGACTION_BYTES * sig, SIGACTION_BYTES);
    }

    private static int call(int sig, MemorySegment act, MemorySegment old) {
        try {
            return (int) SIGACTION.invokeExact(sig, act, old);
        } catch (Throwable t) {
            throw new IllegalStateException("opencl: sigaction(" + sig + ") failed", t);
        }
    }
}
