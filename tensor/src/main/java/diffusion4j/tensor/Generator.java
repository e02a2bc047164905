package diffusion4j.tensor;

/**
 * A seed plus a position in the Philox stream. Each random tensor takes the next unused blocks, so
 * a program that draws the same tensors in the same order gets the same numbers on every backend.
 * Thread-safe.
 */
public final class Generator {
    private final long seed;
    private long offset;

    public Generator(long seed) {
        this(seed, 0);
    }

    /** A generator resumed at {@code offset} blocks into its stream (for example from a checkpoint). */
    public Generator(long seed, long offset) {
        if (offset < 0) throw new IllegalArgumentException("generator offset must be >= 0, got " + offset);
        this.seed = seed;
        this.offset = offset;
    }

    public long seed() {
        return seed;
    }

    public synchronized long offset() {
        return offset;
    }

    /** Reserves the blocks for {@code numel} draws of {@code kind}; returns the first block. */
    public synchronized long reserve(RandomKind kind, long numel) {
        long start = offset;
        offset += Philox.blocksFor(kind, numel);
        return start;
    }
}
