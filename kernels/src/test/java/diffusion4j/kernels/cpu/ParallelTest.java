package diffusion4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@link Parallel#range}: coverage, chunking, nesting, failures, idle workers and concurrent callers. */
class ParallelTest {
    /** Every index is visited exactly once, in chunks whose bounds depend only on n, grain and the thread count. */
    @Test void visitsEveryIndexOnceInFixedChunks() {
        for (int n : new int[] {1, 2, 3, 7, 1000, 100_003}) {
            int[] hits = new int[n];
            List<int[]> chunks = new ArrayList<>();
            Parallel.range(n, 1, (s, e) -> {
                synchronized (chunks) {
                    chunks.add(new int[] {s, e});
                }
                for (int i = s; i < e; i++) hits[i]++;
            });
            for (int i = 0; i < n; i++) assertEquals(1, hits[i], "index " + i + " of " + n);
            int expected = Math.min(Parallel.threads(), n);
            assertEquals(expected, chunks.size(), "chunks for n=" + n);
            chunks.sort((a, b) -> Integer.compare(a[0], b[0]));
            for (int k = 0; k < expected; k++) { // chunk k is [n*k/chunks, n*(k+1)/chunks)
                assertEquals((int) ((long) n * k / expected), chunks.get(k)[0]);
                assertEquals((int) ((long) n * (k + 1) / expected), chunks.get(k)[1]);
            }
        }
    }

    @Test void smallProblemsAndNestedCallsStayOnTheCallingThread() {
        Thread me = Thread.currentThread();
        AtomicReference<Thread> ran = new AtomicReference<>();
        Parallel.range(10, 100, (s, e) -> ran.set(Thread.currentThread()));
        assertSame(me, ran.get(), "n below the grain");
        ConcurrentHashMap<String, Boolean> innerThreads = new ConcurrentHashMap<>();
        Parallel.range(Parallel.threads() * 4, 1, (s, e) -> {
            Thread outer = Thread.currentThread();
            Parallel.range(1000, 1, (s2, e2) -> innerThreads.put(outer.getName() + "->" + Thread.currentThread().getName(), true));
        });
        for (String k : innerThreads.keySet()) {
            String[] p = k.split("->");
            assertEquals(p[0], p[1], "a nested call ran off its outer chunk's thread");
        }
    }

    @Test void aFailureIsRethrownAfterEveryChunkFinished() {
        AtomicInteger finished = new AtomicInteger();
        int n = Parallel.threads() * 2;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Parallel.range(n, 1, (s, end) -> {
            if (s == 0) throw new IllegalArgumentException("chunk 0 failed");
            try {
                Thread.sleep(20);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            finished.incrementAndGet();
        }));
        assertEquals("chunk 0 failed", e.getMessage());
        assertEquals(Parallel.threads() - 1, finished.get(), "the other chunks ran to the end before the throw");
        // The pool still works afterwards.
        int[] sum = new int[1];
        Parallel.range(4, 1, (s, end) -> {
            synchronized (sum) {
                sum[0] += end - s;
            }
        });
        assertEquals(4, sum[0]);
    }

    /** After an idle pause longer than the spin the workers have parked; the next region must still complete. */
    @Test void regionsAfterIdlePausesComplete() throws InterruptedException {
        for (int round = 0; round < 3; round++) {
            Thread.sleep(5); // well past the 0.2 ms spin
            long[] parts = new long[Parallel.threads()];
            Parallel.range(Parallel.threads(), 1, (s, e) -> parts[s] = s + 1);
            long total = 0;
            for (long p : parts) total += p;
            assertEquals((long) Parallel.threads() * (Parallel.threads() + 1) / 2, total);
        }
    }

    /** Regions from several threads at once take turns; each gets its own complete result. */
    @Test void concurrentCallersEachGetTheirWholeResult() throws Exception {
        int callers = 4, n = 200_000;
        CyclicBarrier start = new CyclicBarrier(callers);
        List<Thread> threads = new ArrayList<>();
        float[][] out = new float[callers][];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int c = 0; c < callers; c++) {
            int id = c;
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    for (int rep = 0; rep < 50; rep++) {
                        float[] a = new float[n];
                        Parallel.range(n, 1024, (s, e) -> {
                            for (int i = s; i < e; i++) a[i] = id * 1_000_000 + i;
                        });
                        out[id] = a;
                    }
                } catch (Throwable ex) {
                    failure.compareAndSet(null, ex);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join(60_000);
        assertTrue(failure.get() == null, String.valueOf(failure.get()));
        for (int c = 0; c < callers; c++) {
            float[] expected = new float[n];
            for (int i = 0; i < n; i++) expected[i] = c * 1_000_000 + i;
            assertArrayEquals(expected, out[c], "caller " + c);
        }
    }
}
