package diffusion4j.tensor;

/**
 * A backend's flat buffer of elements. Tensors view a storage through a {@link Layout}; several
 * tensors may share one storage. Storages are written only by the kernel that creates them (and by
 * optimizer steps, through {@link Backend#copyInto}), never through a tensor the user holds.
 */
public interface Storage {
    /** Number of elements the buffer holds. */
    int length();

    DType dtype();
}
