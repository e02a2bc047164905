package diffusion4j.kernels.cpu;

/**
 * Per-thread float scratch for the convolution kernels, reused across calls: the weight gradient
 * at 32x64x32x32 otherwise allocates about 20 MB of short-lived arrays per call (an NHWC copy of x,
 * packed dy, per-thread panels), and the implicit forward its B panels, which costs zeroing and first-touch page faults each time and
 * raises the peak heap. Arrays up to {@link #KEEP} floats are kept, one per slot and thread, so a
 * thread holds at most {@code slots * KEEP} floats; larger requests get a fresh array that is not
 * kept. Contents are left from the last use: callers write every element they later read.
 */
final class ConvScratch {
    private ConvScratch() {}

    /** Largest array kept per slot (16 MiB). */
    static final int KEEP = 1 << 22;
    /**
     * Slots: the weight gradient's NHWC input (or the Winograd forward's split input) and packed dy
     * (calling thread); on each thread, B panels (the implicit forward's, the weight gradient's or
     * the Winograd forward's V: a thread runs one convolution phase at a time), one packed block of
     * dy (or a Winograd M block), and a micro-kernel edge tile.
     */
    static final int NHWC = 0, PACKED_DY = 1, PANELS = 2, DY_BLOCK = 3, TILE = 4;

    private static final ThreadLocal<float[][]> SLOTS = ThreadLocal.withInitial(() -> new float[5][0]);

    /** At least {@code n} floats of this thread's {@code slot}, contents undefined. */
    static float[] get(int slot, int n) {
        float[][] slots = SLOTS.get();
        if (slots[slot].length >= n) return slots[slot];
        float[] a = new float[n];
        if (n <= KEEP) slots[slot] = a;
        return a;
    }
}
