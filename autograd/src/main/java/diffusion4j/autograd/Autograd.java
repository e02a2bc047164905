package diffusion4j.autograd;

/**
 * Global switches of the recorder. Gradient recording is on by default and off inside a
 * {@link NoGrad} scope; the flag is per thread, so a data-loading or evaluation thread can run
 * without a graph while a training thread records one.
 */
public final class Autograd {
    private Autograd() {}

    /** Depth of nested no-grad scopes on this thread; recording is on only at depth 0. */
    private static final ThreadLocal<int[]> NO_GRAD_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    /** Opens a no-grad scope: {@code try (var _ = Autograd.noGrad()) { ... }}. Scopes nest. */
    public static NoGrad noGrad() {
        NO_GRAD_DEPTH.get()[0]++;
        return new NoGrad();
    }

    /** Whether ops on this thread record a graph now. */
    public static boolean isGradEnabled() {
        return NO_GRAD_DEPTH.get()[0] == 0;
    }

    /** Called by {@link NoGrad#close()}. */
    static void leaveNoGrad() {
        int[] depth = NO_GRAD_DEPTH.get();
        if (depth[0] == 0) throw new IllegalStateException("noGrad: scope closed more often than opened");
        depth[0]--;
    }
}
