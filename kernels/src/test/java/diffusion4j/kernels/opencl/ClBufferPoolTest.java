package diffusion4j.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Size classes, reuse of freed buffers (directly and through the storage cleaner), and the out-of-memory retry. */
@ExtendWith(OpenClAvailable.class)
class ClBufferPoolTest {
    private final ClRuntime rt = OpenClAvailable.backend().runtime();

    private BufferPool pool() {
        return new BufferPool(rt.context(), rt.info().name(), 1L << 30);
    }

    @Test
    void sizeClasses() {
        assertEquals(4, BufferPool.sizeClass(0));
        assertEquals(4, BufferPool.sizeClass(4));
        assertEquals(8, BufferPool.sizeClass(5));
        assertEquals(1024, BufferPool.sizeClass(1000));
        // Above 1 KiB: quarters of the power of two below, so at most 25% slack.
        assertEquals(1280, BufferPool.sizeClass(1025));
        assertEquals(1536, BufferPool.sizeClass(1300));
        assertEquals(4096, BufferPool.sizeClass(4000));
        assertEquals(5120, BufferPool.sizeClass(4097));
    }

    @Test
    void freedBufferIsReusedForTheSameClass() {
        BufferPool p = pool();
        BufferPool.Buffer a = p.acquire(4000);
        p.release(a);
        assertEquals(4096, p.freeBytes());
        BufferPool.Buffer b = p.acquire(3900); // same class
        assertSame(a.mem(), b.mem());
        assertEquals(1, p.created());
        assertEquals(1, p.reused());
        BufferPool.Buffer c = p.acquire(8000); // another class: a new buffer
        assertEquals(2, p.created());
        p.release(b);
        p.release(c);
        p.trim();
        assertEquals(0, p.freeBytes());
    }

    @Test
    void unreachableStorageReturnsToThePool() throws InterruptedException {
        BufferPool p = rt.pool();
        int n = 123_457; // an unusual size class, so other tests' buffers do not interfere
        rt.allocate(n);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (p.freeBytes() < BufferPool.sizeClass(4L * n) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        int reused = p.reused();
        ClStorage again = rt.allocate(n);
        assertEquals(reused + 1, p.reused(), "the cleaner returned the first storage's buffer and the second took it");
        rt.write(again, new float[] {1, 2});
        assertArrayEquals(new float[] {1, 2}, rt.read(again, 0, 2));
    }

    @Test
    void outOfMemoryEmptiesThePoolAndRetriesOnce() {
        BufferPool p = pool();
        p.release(p.acquire(64)); // something to empty
        p.simulateOutOfMemory(1);
        BufferPool.Buffer b = p.acquire(1 << 20);
        assertEquals(1, p.outOfMemoryRetries());
        assertEquals(0, p.freeBytes(), "the retry emptied the pool first");
        p.release(b);
    }

    @Test
    void secondOutOfMemoryFailsClearly() {
        BufferPool p = pool();
        p.simulateOutOfMemory(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.acquire(1 << 20));
        assertTrue(e.getMessage().startsWith("opencl: out of device memory allocating 1048576 bytes on " + rt.info().name()
                + " (retried after emptying the buffer pool"), e.getMessage());
    }

    @Test
    void backendOpsSurviveOneOutOfMemory() {
        rt.pool().simulateOutOfMemory(1);
        OpenClBackend b = OpenClAvailable.backend();
        assertArrayEquals(new float[] {2.5f, 2.5f, 2.5f}, diffusion4j.tensor.Tensor.wrap(b.full(3, 2.5f), new int[] {3}, b).toFloatArray());
    }
}
