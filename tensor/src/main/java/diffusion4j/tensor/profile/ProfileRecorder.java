package diffusion4j.tensor.profile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-op call counts and total nanoseconds, shared by every {@link ProfilingBackend} that records
 * into it (one per device). Thread-safe: ops may be issued from several threads.
 */
public final class ProfileRecorder {
    private record Stat(AtomicLong calls, AtomicLong nanos) {}

    private final Map<String, Stat> stats = new ConcurrentHashMap<>();
    private volatile boolean recording = true;

    /** Adds one call of {@code op} that took {@code nanos}. */
    public void record(String op, long nanos) {
        Stat s = stats.computeIfAbsent(op, k -> new Stat(new AtomicLong(), new AtomicLong()));
        s.calls.incrementAndGet();
        s.nanos.addAndGet(nanos);
    }

    public boolean isRecording() { return recording; }

    /** Pauses or resumes recording (a paused decorator only forwards). */
    public void setRecording(boolean on) { recording = on; }

    /** Forgets everything recorded so far. */
    public void reset() { stats.clear(); }

    /** What has been recorded so far, as a report (the recorder keeps counting). */
    public ProfileReport snapshot() {
        List<ProfileReport.Row> rows = new ArrayList<>();
        stats.forEach((op, s) -> rows.add(new ProfileReport.Row(op, s.calls.get(), s.nanos.get())));
        return new ProfileReport(rows);
    }
}
