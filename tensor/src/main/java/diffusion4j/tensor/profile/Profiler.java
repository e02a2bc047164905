package diffusion4j.tensor.profile;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Backends;

/**
 * Switches the per-op profiler on and reads it out.
 *
 * <p>On: run with {@code -Ddiffusion4j.profile=true} (the table of the whole run is printed to
 * stderr at exit), or call {@link #install()} before the first tensor is made. Either way
 * {@link Backends#get} then hands out every backend wrapped in a {@link ProfilingBackend}.
 * It must be decided before the first backend opens because a tensor keeps the backend it was
 * made with, and the front end requires both operands of an op to share one backend object, so
 * wrapped and unwrapped tensors must never meet.
 *
 * <p>Reading: {@link #scope()} resets the counts and returns a scope whose {@link Scope#report()}
 * covers only the code inside it:
 * <pre>
 *   Profiler.install();                       // or -Ddiffusion4j.profile=true
 *   ... build the model ...
 *   try (Profiler.Scope s = Profiler.scope()) {
 *       trainStep();
 *       System.out.print(s.report().toTable());
 *   }
 * </pre>
 * Off (the default), {@code Backends.get} returns the backend itself and nothing is measured.
 */
public final class Profiler {
    /** The system property that turns profiling on for the whole run. */
    public static final String PROPERTY = "diffusion4j.profile";

    private static final ProfileRecorder RECORDER = new ProfileRecorder();
    private static volatile boolean installed;
    private static volatile boolean backendOpened;

    static {
        if (Boolean.getBoolean(PROPERTY)) {
            installed = true;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                ProfileReport r = RECORDER.snapshot();
                if (!r.rows().isEmpty()) System.err.print("diffusion4j profile (" + PROPERTY + "=true):" + System.lineSeparator() + r.toTable());
            }, "diffusion4j-profile-report"));
        }
    }

    private Profiler() {}

    public static boolean isInstalled() {
        return installed;
    }

    /**
     * Turns profiling on for every backend opened from now on.
     *
     * @throws IllegalStateException if a backend was already opened unprofiled
     */
    public static synchronized void install() {
        if (installed) return;
        if (backendOpened) {
            throw new IllegalStateException("Profiler.install() must be called before the first backend is opened "
                    + "(before the first tensor is made), or run with -D" + PROPERTY + "=true");
        }
        installed = true;
    }

    /**
     * Called by {@link Backends#get} on each backend it opens: the backend itself, or wrapped in a
     * {@link ProfilingBackend} when profiling is installed.
     */
    public static synchronized Backend wrap(Backend backend) {
        backendOpened = true;
        return installed ? new ProfilingBackend(backend, RECORDER) : backend;
    }

    /** The recorder every profiled backend writes to. */
    public static ProfileRecorder recorder() {
        return RECORDER;
    }

    /** Everything recorded since the last reset (or scope start). */
    public static ProfileReport report() {
        return RECORDER.snapshot();
    }

    /**
     * Resets the counts and starts a scope; its report covers the code up to {@link Scope#close()}.
     *
     * @throws IllegalStateException when profiling is not installed (the report would be empty)
     */
    public static Scope scope() {
        if (!installed) {
            throw new IllegalStateException("Profiler.scope(): profiling is off; run with -D" + PROPERTY
                    + "=true or call Profiler.install() before the first tensor is made");
        }
        RECORDER.reset();
        return new Scope();
    }

    /** A profiled region; {@link #report()} is live until closed, then frozen. */
    public static final class Scope implements AutoCloseable {
        private ProfileReport frozen;

        private Scope() {}

        public ProfileReport report() {
            return frozen != null ? frozen : RECORDER.snapshot();
        }

        @Override public void close() {
            if (frozen == null) frozen = RECORDER.snapshot();
        }
    }
}
