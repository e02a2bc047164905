package diffusion4j.tensor;

/**
 * Storage in a Java {@code float[]}: shared by the reference backend and the CPU backend so that
 * tensors move between them without copies.
 */
public final class HeapStorage implements Storage {
    private final float[] data;

    public HeapStorage(float[] data) {
        this.data = data;
    }

    public HeapStorage(int length) {
        this(new float[length]);
    }

    /** The backing array; kernels read it and write it only while creating the storage. */
    public float[] data() {
        return data;
    }

    @Override public int length() {
        return data.length;
    }

    @Override public DType dtype() {
        return DType.FLOAT32;
    }

    /** The heap array of a storage, or an error naming what the storage is instead. */
    public static float[] of(Storage s) {
        if (s instanceof HeapStorage h) return h.data;
        throw new IllegalArgumentException("expected heap (CPU) storage, got " + s.getClass().getSimpleName());
    }
}
