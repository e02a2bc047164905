package diffusion4j.kernels.opencl;

import diffusion4j.tensor.DType;
import diffusion4j.tensor.Storage;
import java.lang.ref.Cleaner;
import org.jocl.cl_mem;

/**
 * FLOAT32 storage in a device buffer. The buffer came from the runtime's {@link BufferPool} and
 * goes back to it through a {@link Cleaner} once the storage is unreachable: device memory is
 * reused by size class instead of being created and released per op. Returning a buffer while
 * kernels that read it are still queued is safe because the queue is in order: any later user of
 * the recycled buffer is enqueued after them.
 */
public final class ClStorage implements Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    private final BufferPool.Buffer buffer;
    private final int length;

    ClStorage(BufferPool pool, BufferPool.Buffer buffer, int length) {
        this.buffer = buffer;
        this.length = length;
        // The action captures the pool and the buffer, never this storage, or it would never become unreachable.
        CLEANER.register(this, () -> pool.release(buffer));
    }

    /** The device buffer; it may be larger than {@link #length()} floats (its size class). */
    public cl_mem mem() {
        return buffer.mem();
    }

    @Override public int length() {
        return length;
    }

    @Override public DType dtype() {
        return DType.FLOAT32;
    }

    /** The storage of a tensor of the OpenCL backend, or an error naming what it is instead. */
    public static ClStorage of(Storage s) {
        if (s instanceof ClStorage c) return c;
        throw new IllegalArgumentException("expected OpenCL storage, got " + s.getClass().getSimpleName());
    }

    @Override public String toString() {
        return "ClStorage(" + length + " floats)";
    }
}
