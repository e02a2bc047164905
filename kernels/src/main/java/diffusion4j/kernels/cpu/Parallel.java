package diffusion4j.kernels.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one parallel-for of the CPU backend: splits {@code [0, n)} into at most {@link #threads()}
 * contiguous chunks, runs chunk 0 on the calling thread and chunk {@code c} on worker {@code c},
 * and waits. The chunk boundaries depend only on {@code n}, the grain and the thread count, so
 * results do not depend on timing. A call made from inside a parallel body runs serially, so
 * kernels may nest freely without deadlock or oversubscription; parallel regions started by
 * different threads take turns. Thread count: system property {@code diffusion4j.threads}, else
 * the number of available processors.
 *
 * <p>Why the workers spin: a parked thread takes tens of microseconds to wake on a virtual machine
 * (measured here: a 1M-element negation took 83 us on one thread and 98 us on two, with an
 * executor and a latch), and the caller then waits that long for the late chunk. So a worker that
 * finishes keeps polling for the next region for {@code diffusion4j.spinMicros} microseconds
 * (default 200) before it parks, as OpenMP runtimes do, and so does a caller waiting for the
 * workers. Back-to-back ops (a training step) never park; an idle process parks within 0.2 ms.
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
    private static final long SPIN_NANOS = Math.max(0, Long.getLong("diffusion4j.spinMicros", 200)) * 1000;
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);
    /** One region at a time; callers on other threads queue here. */
    private static final ReentrantLock REGION = new ReentrantLock();
    private static final Worker[] WORKERS = startWorkers(THREADS - 1);

    public static int threads() {
        return THREADS;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks of at least {@code grain} items (so tiny
     * problems stay on one thread). Exceptions from any chunk are rethrown in the caller, after
     * every chunk has finished.
     */
    public static void range(int n, int grain, Range body) {
        if (n <= 0) return;
        int chunks = Math.min(THREADS, Math.max(1, n / Math.max(1, grain)));
        if (chunks == 1 || INSIDE.get()) {
            body.run(0, n);
            return;
        }
        Job job = new Job(body, n, chunks);
        REGION.lock();
        try {
            for (int c = 1; c < chunks; c++) WORKERS[c - 1].post(job);
            INSIDE.set(true);
            try {
                job.runChunk(0);
            } finally {
                INSIDE.set(false);
            }
            job.awaitWorkers();
        } finally {
            REGION.unlock();
        }
        Throwable t = job.failure.get();
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error err) throw err;
        if (t != null) throw new IllegalStateException(t);
    }

    /** {@link #range} with grain 1: each index is worth a task on its own. */
    public static void range(int n, Range body) {
        range(n, 1, body);
    }

    /** One parallel region: the body, its chunking, and how many worker chunks are still running. */
    private static final class Job {
        final Range body;
        final int n, chunks;
        final AtomicInteger running;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile Thread waiter; // the caller, while parked

        Job(Range body, int n, int chunks) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.running = new AtomicInteger(chunks - 1);
        }

        void runChunk(int c) {
            int start = (int) ((long) n * c / chunks), end = (int) ((long) n * (c + 1) / chunks);
            try {
                body.run(start, end);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }

        /** Called by a worker after its chunk. */
        void workerDone() {
            if (running.decrementAndGet() == 0) {
                Thread w = waiter;
                if (w != null) LockSupport.unpark(w);
            }
        }

        /** Spins, then parks, until every worker chunk has finished (not interruptible: chunks cannot be cancelled). */
        void awaitWorkers() {
            long deadline = System.nanoTime() + SPIN_NANOS;
            while (running.get() > 0) {
                if (System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                    continue;
                }
                waiter = Thread.currentThread();
                if (running.get() > 0) LockSupport.park(this);
                waiter = null;
            }
        }
    }

    private static Worker[] startWorkers(int count) {
        Worker[] w = new Worker[count];
        for (int i = 0; i < count; i++) {
            w[i] = new Worker(i + 1);
            w[i].start();
        }
        return w;
    }

    /** Runs chunk {@code chunk} of each region posted to it. */
    private static final class Worker extends Thread {
        private final int chunk;
        private volatile Job job;
        private volatile boolean parked;

        Worker(int chunk) {
            super("diffusion4j-cpu-" + chunk);
            this.chunk = chunk;
            setDaemon(true);
        }

        /** Hands {@code j} to this worker; the previous region has finished (the caller waited for it). */
        void post(Job j) {
            job = j;
            if (parked) LockSupport.unpark(this);
        }

        @Override public void run() {
            INSIDE.set(true);
            while (true) {
                Job j = next();
                job = null; // taken before running, so the next post cannot be lost
                j.runChunk(chunk);
                j.workerDone();
            }
        }

        private Job next() {
            long deadline = System.nanoTime() + SPIN_NANOS;
            Job j;
            while ((j = job) == null) {
                if (System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                    continue;
                }
                // Announce the park, then look again: post() writes job before it reads parked,
                // so either this sees the job or post() sees parked and unparks.
                parked = true;
                if (job == null) LockSupport.park(this);
                parked = false;
            }
            return j;
        }
    }
}
