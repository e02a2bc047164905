package diffusion4j.kernels.opencl;

import static org.jocl.CL.CL_MEM_OBJECT_ALLOCATION_FAILURE;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_OUT_OF_HOST_MEMORY;
import static org.jocl.CL.CL_OUT_OF_RESOURCES;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clReleaseMemObject;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.jocl.CLException;
import org.jocl.cl_context;
import org.jocl.cl_mem;

/**
 * Device buffers reused by size class. Creating a buffer per op costs a driver call and, on GPUs,
 * an allocation; a diffusion step allocates the same few sizes over and over, so freed buffers wait
 * here for the next request of their class. Classes are powers of two split in quarters (at most
 * 25% slack) above 1 KiB.
 *
 * <p>Out of memory: the first failure empties the free lists (and asks the GC to run the cleaners of
 * unreachable storages), then retries once; a second failure throws, naming the size and the device.
 * Thread-safe: storages are returned from the {@link java.lang.ref.Cleaner} thread.
 */
final class BufferPool {
    /** A device buffer and its size class in bytes. */
    record Buffer(cl_mem mem, long bytes) {}

    private final cl_context context;
    private final String deviceName;
    private final long maxFreeBytes;
    private final Map<Long, ArrayDeque<cl_mem>> free = new HashMap<>();
    private long freeBytes;
    private int created, reused, oomRetries;
    /** Test hook: the next this-many device allocations fail as if the device were out of memory. */
    private int simulatedFailures;

    /** @param maxFreeBytes free bytes kept for reuse; buffers returned beyond that are released */
    BufferPool(cl_context context, String deviceName, long maxFreeBytes) {
        this.context = context;
        this.deviceName = deviceName;
        this.maxFreeBytes = maxFreeBytes;
    }

    /** The class a request of {@code bytes} is served from. */
    static long sizeClass(long bytes) {
        long b = Math.max(bytes, 4);
        if (b <= 1024) return Math.max(4, Long.highestOneBit(b - 1) << 1); // next power of two
        long step = Long.highestOneBit(b - 1) / 4;
        return (b + step - 1) / step * step;
    }

    /** A buffer of at least {@code bytes}; contents undefined. */
    synchronized Buffer acquire(long bytes) {
        long cls = sizeClass(bytes);
        ArrayDeque<cl_mem> q = free.get(cls);
        if (q != null && !q.isEmpty()) {
            freeBytes -= cls;
            reused++;
            return new Buffer(q.pop(), cls);
        }
        try {
            return new Buffer(create(cls), cls);
        } catch (CLException e) {
            if (!isOutOfMemory(e.getStatus())) throw e;
            oomRetries++;
            long held = freeBytes;
            reclaim();
            try {
                return new Buffer(create(cls), cls);
            } catch (CLException again) {
                if (!isOutOfMemory(again.getStatus())) throw again;
                throw new IllegalStateException("opencl: out of device memory allocating " + cls + " bytes on " + deviceName
                        + " (retried after emptying the buffer pool of " + held + " bytes): " + again.getMessage(), again);
            }
        }
    }

    /** Gives a buffer back for reuse (called by the cleaner of a {@link ClStorage}). */
    synchronized void release(Buffer b) {
        if (freeBytes + b.bytes() > maxFreeBytes) {
            clReleaseMemObject(b.mem());
            return;
        }
        free.computeIfAbsent(b.bytes(), k -> new ArrayDeque<>()).push(b.mem());
        freeBytes += b.bytes();
    }

    /** Releases every free buffer to the driver. */
    synchronized void trim() {
        for (ArrayDeque<cl_mem> q : free.values()) q.forEach(m -> clReleaseMemObject(m));
        free.clear();
        freeBytes = 0;
    }

    /** Empties the pool, lets the GC run cleaners of unreachable storages, and empties what they returned. */
    private void reclaim() {
        trim();
        System.gc();
        try {
            // Cleaners run on their own thread and need this pool's lock, which wait() gives up.
            wait(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        trim();
    }

    private cl_mem create(long bytes) {
        if (simulatedFailures > 0) {
            simulatedFailures--;
            throw new CLException("simulated out of memory (test hook)", CL_MEM_OBJECT_ALLOCATION_FAILURE);
        }
        created++;
        return clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
    }

    static boolean isOutOfMemory(int status) {
        return status == CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL_OUT_OF_RESOURCES || status == CL_OUT_OF_HOST_MEMORY;
    }

    /** Test hook: the next {@code n} device allocations fail with CL_MEM_OBJECT_ALLOCATION_FAILURE. */
    synchronized void simulateOutOfMemory(int n) {
        simulatedFailures = n;
    }

    synchronized int created() { return created; }
    synchronized int reused() { return reused; }
    synchronized int outOfMemoryRetries() { return oomRetries; }
    synchronized long freeBytes() { return freeBytes; }
}
