package diffusion4j.tensor;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Float arrays handed back by closed {@link TensorScope}s, by exact length (a training step asks
 * for the same lengths every time, and kernels may read an array's length as its element count).
 * Last in, first out, so the array handed out is the one most likely still in cache. The pool
 * holds at most {@link #CAP_BYTES}; beyond that, returned arrays are left to the garbage collector.
 */
final class ArrayPool {
    private ArrayPool() {}

    /** Arrays shorter than this are not pooled: the JVM allocates them from a thread-local buffer cheaply. */
    static final int MIN_LENGTH = 4096;

    /** Property {@code diffusion4j.pool.maxMB}; default a quarter of the maximum heap, at most 2 GiB. */
    static final long CAP_BYTES = cap();

    /** Test property: fill every array with NaN when handed out fresh and when returned, so a kernel that reads before it writes fails its parity tests. */
    static final boolean POISON = Boolean.getBoolean("diffusion4j.pool.poison");

    private static final Map<Integer, ArrayDeque<float[]>> FREE = new HashMap<>();
    private static long bytes;

    private static long cap() {
        String p = System.getProperty("diffusion4j.pool.maxMB");
        if (p != null && !p.isBlank()) {
            try {
                long mb = Long.parseLong(p.trim());
                if (mb >= 0) return mb << 20;
            } catch (NumberFormatException ignored) {
                // falls through to the error below
            }
            throw new IllegalArgumentException("diffusion4j.pool.maxMB must be a whole number of MiB >= 0, got '" + p + "'");
        }
        return Math.min(Runtime.getRuntime().maxMemory() / 4, 2L << 30);
    }

    /** A pooled array of exactly {@code length} elements (old contents), or null when none is free. */
    static synchronized float[] take(int length) {
        ArrayDeque<float[]> q = FREE.get(length);
        float[] a = q == null ? null : q.pollLast();
        if (a != null) bytes -= 4L * length;
        return a;
    }

    /** Returns {@code a} to the pool; the caller must hold no other reference it will use. */
    static void give(float[] a) {
        if (POISON) java.util.Arrays.fill(a, Float.NaN);
        synchronized (ArrayPool.class) {
            if (bytes + 4L * a.length > CAP_BYTES) return;
            FREE.computeIfAbsent(a.length, k -> new ArrayDeque<>()).addLast(a);
            bytes += 4L * a.length;
        }
    }

    /** Bytes now held. */
    static synchronized long bytes() {
        return bytes;
    }

    /** Drops every pooled array (for the garbage collector). */
    static synchronized void clear() {
        FREE.clear();
        bytes = 0;
    }
}
