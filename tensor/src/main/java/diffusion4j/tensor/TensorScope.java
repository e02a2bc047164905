package diffusion4j.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * A region of code whose CPU tensors give their memory back when it closes, so that a loop (a
 * training step, a sampling step) reuses the same warm arrays instead of asking the garbage
 * collector for fresh ones each time: PyTorch's caching allocator does the same, driven by
 * reference counts that Java does not have.
 *
 * <pre>{@code
 * for (Batch b : batches) {
 *     try (TensorScope step = TensorScope.open()) {
 *         Tensor loss = model.loss(b);          // activations, gradients: all recycled at close
 *         loss.backward();
 *         optimizer.step();                     // runs outside the scope: parameters persist
 *         lossLog.add(step.keep(loss).item());  // keep(): this one outlives the scope
 *     }
 * }
 * }</pre>
 *
 * <p>Rules. A scope belongs to the thread that opened it and scopes nest; close the innermost
 * first. When a scope closes, every CPU storage created inside it (kernel outputs and uploads
 * alike) is marked released, unless {@link #keep kept}, and the arrays that kernels took from the
 * pool go back to it; a later use of such a
 * tensor (or of any view of it) throws {@link IllegalStateException} naming the cause, never reads
 * recycled data. Work that must outlive the scope (optimizer updates, EMA weights, anything stored
 * across iterations) runs in {@link #outside}. Without an open scope nothing changes: arrays are
 * garbage-collected as before. Only heap (CPU and reference) storages take part; OpenCL buffers
 * are pooled on the device already.
 */
public final class TensorScope implements AutoCloseable {
    private static final ThreadLocal<TensorScope> CURRENT = new ThreadLocal<>();

    private final TensorScope parent;
    private final Thread owner = Thread.currentThread();
    /**
     * Arrays handed to kernels while open (arrays hash by identity); weakly, like the storages
     * below, so that an intermediate that dies inside the scope is still collectable when memory
     * runs short: the scope never holds more than the garbage collector would. Guarded by {@code this}.
     */
    private final Map<float[], Boolean> handedOut = new WeakHashMap<>();
    /** Storages created while open (storages hash by identity), weakly as above; guarded by {@code this}. */
    private final Map<HeapStorage, Boolean> storages = new WeakHashMap<>();
    private boolean closed;

    private TensorScope(TensorScope parent) {
        this.parent = parent;
    }

    /** Opens a scope on this thread, nested in the current one if any. */
    public static TensorScope open() {
        TensorScope s = new TensorScope(CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /** Runs {@code body} with no scope open on this thread: what it creates is garbage-collected as usual. */
    public static <T> T outside(Supplier<T> body) {
        TensorScope s = CURRENT.get();
        CURRENT.remove();
        try {
            return body.get();
        } finally {
            if (s != null) CURRENT.set(s);
        }
    }

    /** As {@link #outside(Supplier)}, for a body without a result. */
    public static void outside(Runnable body) {
        outside(() -> {
            body.run();
            return null;
        });
    }

    /**
     * Lets {@code t}'s storage outlive this scope: it moves to the enclosing scope, or, at the
     * outermost, to the garbage collector. Views of it stay valid too. Returns {@code t}.
     */
    public Tensor keep(Tensor t) {
        if (t.storage() instanceof HeapStorage h) {
            boolean mine;
            synchronized (this) {
                mine = storages.remove(h) != null;
                if (mine) handedOut.remove(h.rawData());
            }
            if (mine && parent != null) parent.take(h);
        }
        return t;
    }

    /** Whether {@code t}'s storage belongs to this scope: created in it (or kept into it) and neither kept out nor released. */
    public boolean holds(Tensor t) {
        if (!(t.storage() instanceof HeapStorage h)) return false;
        synchronized (this) {
            return storages.containsKey(h);
        }
    }

    /**
     * Releases {@code t}'s storage now instead of at {@link #close}, and gives its array back to
     * the pool, so that later allocations in this scope reuse it: what PyTorch's allocator does
     * when the last reference to a tensor goes. The caller must know that nothing reads the
     * storage again, through {@code t} or any view of it; a read that comes anyway throws, as after
     * close. Does nothing, and returns false, unless this scope {@link #holds} the storage.
     */
    public boolean release(Tensor t) {
        if (!(t.storage() instanceof HeapStorage h)) return false;
        float[] a = h.rawData();
        boolean pooled;
        synchronized (this) {
            if (closed || storages.remove(h) == null) return false;
            h.release();
            pooled = handedOut.remove(a) != null;
        }
        if (pooled && a.length >= ArrayPool.MIN_LENGTH) ArrayPool.give(a);
        return true;
    }

    /** The innermost scope open on this thread, or null. */
    public static TensorScope current() {
        return CURRENT.get();
    }

    /**
     * Releases every storage created inside this scope and not kept, and returns the arrays this
     * scope handed out (kernel outputs and temporaries) to the pool.
     */
    @Override public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a TensorScope must be closed by the thread that opened it (" + owner.getName() + ")");
        }
        if (CURRENT.get() != this) {
            throw new IllegalStateException("TensorScopes must close innermost first: a scope opened inside this one is still open");
        }
        closed = true;
        if (parent == null) CURRENT.remove();
        else CURRENT.set(parent);
        List<float[]> back = new ArrayList<>();
        synchronized (this) {
            for (HeapStorage h : storages.keySet()) h.release();
            back.addAll(handedOut.keySet());
            storages.clear();
            handedOut.clear();
        }
        for (float[] a : back) {
            if (a.length >= ArrayPool.MIN_LENGTH) ArrayPool.give(a);
        }
    }

    // ---- allocation, for backends -----------------------------------------------------------

    /**
     * An array for a kernel's output or temporary, of exactly {@code length} elements. Its
     * contents are unspecified (old values inside a scope): the kernel must write every element it
     * later reads. Outside a scope it is a fresh array.
     */
    public static float[] array(int length) {
        return array(CURRENT.get(), length);
    }

    /** As {@link #array}, filled with zeros (without a second pass where the array is fresh). */
    public static float[] zeroArray(int length) {
        TensorScope s = CURRENT.get();
        if (s == null && !ArrayPool.POISON) return new float[length];
        float[] a = array(s, length);
        java.util.Arrays.fill(a, 0f);
        return a;
    }

    /**
     * {@link #array} for a call made later or on another thread (a worker that allocates the
     * output while others work): the scope is the caller's, fixed now.
     */
    public static Supplier<float[]> arrayLater(int length) {
        TensorScope s = CURRENT.get();
        return () -> array(s, length);
    }

    private static float[] array(TensorScope s, int length) {
        if (length < 0) throw new IllegalArgumentException("negative array length " + length);
        if (s == null) return fresh(length);
        float[] a = length < ArrayPool.MIN_LENGTH ? null : ArrayPool.take(length);
        if (a == null) a = fresh(length);
        synchronized (s) {
            if (s.closed) throw new IllegalStateException("allocation in a closed TensorScope");
            s.handedOut.put(a, Boolean.TRUE);
        }
        return a;
    }

    private static float[] fresh(int length) {
        float[] a = new float[length];
        if (ArrayPool.POISON) java.util.Arrays.fill(a, Float.NaN);
        return a;
    }

    /**
     * Called by {@link HeapStorage}'s constructor: a storage created while a scope is open joins
     * it (the scope whose array it wraps, when one handed it out; else the innermost).
     */
    static void adopt(HeapStorage h) {
        TensorScope current = CURRENT.get();
        if (current == null) return;
        float[] a = h.rawData();
        for (TensorScope s = current; s != null; s = s.parent) {
            synchronized (s) {
                if (s.handedOut.containsKey(a)) {
                    s.storages.put(h, Boolean.TRUE);
                    return;
                }
            }
        }
        synchronized (current) {
            current.storages.put(h, Boolean.TRUE);
        }
    }

    private void take(HeapStorage h) {
        synchronized (this) {
            storages.put(h, Boolean.TRUE);
            handedOut.put(h.rawData(), Boolean.TRUE);
        }
    }

    /** Bytes held by the array pool now (for tests and memory reports). */
    public static long pooledBytes() {
        return ArrayPool.bytes();
    }

    /** Empties the array pool, e.g. before a phase with other tensor sizes. */
    public static void clearPool() {
        ArrayPool.clear();
    }
}
