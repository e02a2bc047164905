package diffusion4j.tensor;

/**
 * Storage in a Java {@code float[]}: shared by the reference backend and the CPU backend so that
 * tensors move between them without copies.
 */
public final class HeapStorage implements Storage {
    private final float[] data;
    private volatile boolean released; // volatile: a scope closed on one thread must stop a reader on another

    /**
     * Wraps {@code data}, which the storage then owns. Created while a {@link TensorScope} is
     * open, the storage is released when that scope closes.
     */
    public HeapStorage(float[] data) {
        this.data = data;
        TensorScope.adopt(this);
    }

    public HeapStorage(int length) {
        this(new float[length]);
    }

    /** The backing array; kernels read it and write it only while creating the storage. */
    public float[] data() {
        if (released) {
            throw new IllegalStateException("tensor used after its TensorScope closed: its memory has been recycled"
                    + " (keep() it, or create it outside the scope)");
        }
        return data;
    }

    /** The array without the release check, for the scope's bookkeeping. */
    float[] rawData() {
        return data;
    }

    /** Marks the storage released by its scope; every later {@link #data()} throws. */
    void release() {
        released = true;
    }

    @Override public int length() {
        return data.length;
    }

    @Override public DType dtype() {
        return DType.FLOAT32;
    }

    /** The heap array of a storage, or an error naming what the storage is instead. */
    public static float[] of(Storage s) {
        if (s instanceof HeapStorage h) return h.data();
        throw new IllegalArgumentException("expected heap (CPU) storage, got " + s.getClass().getSimpleName());
    }
}
