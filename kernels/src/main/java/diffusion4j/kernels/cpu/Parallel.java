package diffusion4j.kernels.cpu;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one parallel-for of the CPU backend: splits {@code [0, n)} into at most {@link #threads()}
 * contiguous chunks, runs them on a fixed pool of daemon threads (the caller runs the first), and
 * waits. A call made from inside a parallel body runs serially, so kernels may nest freely without
 * deadlock or oversubscription. Thread count: system property {@code diffusion4j.threads}, else
 * the number of available processors.
 */
public final class Parallel {
    private Parallel() {}

    /** Work on {@code [start, end)}. */
    @FunctionalInterface
    public interface Range {
        void run(int start, int end);
    }

    private static final int THREADS = Math.max(1, Integer.getInteger("diffusion4j.threads",
            Runtime.getRuntime().availableProcessors()));
    private static final ExecutorService POOL = Executors.newFixedThreadPool(Math.max(1, THREADS - 1), r -> {
        Thread t = new Thread(r, "diffusion4j-cpu");
        t.setDaemon(true);
        return t;
    });
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);

    public static int threads() {
        return THREADS;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks of at least {@code grain} items (so tiny
     * problems stay on one thread). Exceptions from any chunk are rethrown in the caller.
     */
    public static void range(int n, int grain, Range body) {
        if (n <= 0) return;
        int chunks = Math.min(THREADS, Math.max(1, n / Math.max(1, grain)));
        if (chunks == 1 || INSIDE.get()) {
            body.run(0, n);
            return;
        }
        CountDownLatch done = new CountDownLatch(chunks - 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int c = 1; c < chunks; c++) {
            int start = (int) ((long) n * c / chunks), end = (int) ((long) n * (c + 1) / chunks);
            POOL.execute(() -> {
                INSIDE.set(true);
                try {
                    body.run(start, end);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    INSIDE.set(false);
                    done.countDown();
                }
            });
        }
        INSIDE.set(true);
        try {
            body.run(0, (int) ((long) n / chunks));
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        } finally {
            INSIDE.set(false);
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for parallel work", e);
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error err) throw err;
        if (t != null) throw new IllegalStateException(t);
    }

    /** {@link #range} with grain 1: each index is worth a task on its own. */
    public static void range(int n, Range body) {
        range(n, 1, body);
    }
}
