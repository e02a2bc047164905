package diffusion4j.tensor.profile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Backends;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The profiling decorator counts each backend call once under its op name, runs the finish hook
 * inside each timed call, changes no result, and its table's arithmetic is right. Runs with
 * profiling not installed (the default), so the decorator is built by hand here.
 */
class ProfilerTest {
    private static Backend plainReference() {
        Backend b = Backends.get(Device.REFERENCE);
        return b instanceof ProfilingBackend p ? p.delegate() : b;
    }

    @Test
    void countsEachCallByOpAndChangesNoResult() {
        Backend plain = plainReference();
        ProfileRecorder rec = new ProfileRecorder();
        AtomicInteger finishes = new AtomicInteger();
        ProfilingBackend prof = new ProfilingBackend(plain, finishes::incrementAndGet, rec);
        float[] av = {1, 2, 3, 4, 5, 6}, bv = {0.5f, -1, 2, 0, 1, 3};
        Tensor a = Tensor.wrap(prof.upload(av.clone()), new int[] {2, 3}, prof);
        Tensor b = Tensor.wrap(prof.upload(bv.clone()), new int[] {3, 2}, prof);
        // Scalars made by the front end (add(1f)) come from Backends.get, i.e. the undecorated
        // backend here, so the test makes its constant through the decorator too.
        Tensor one = Tensor.wrap(prof.full(1, 1f), new int[] {1}, prof);
        Tensor c = a.matmul(b).exp().add(one).add(one);

        Tensor ra = Tensor.of(Device.REFERENCE, av, 2, 3), rb = Tensor.of(Device.REFERENCE, bv, 3, 2);
        assertArrayEquals(ra.matmul(rb).exp().add(1f).add(1f).toFloatArray(), c.toFloatArray());

        ProfileReport r = rec.snapshot();
        assertEquals(2, r.row("upload").calls());
        assertEquals(1, r.row("full").calls());
        assertEquals(1, r.row("matmul").calls());
        assertEquals(1, r.row("unary EXP").calls());
        assertEquals(2, r.row("binary ADD").calls());
        assertEquals(1, r.row("download").calls());
        long calls = r.rows().stream().mapToLong(ProfileReport.Row::calls).sum();
        assertEquals(calls, finishes.get(), "one finish per recorded call");
        assertNull(r.row("conv2d"));
    }

    @Test
    void pausedRecorderOnlyForwards() {
        ProfileRecorder rec = new ProfileRecorder();
        ProfilingBackend prof = new ProfilingBackend(plainReference(), rec);
        rec.setRecording(false);
        Tensor.wrap(prof.full(4, 2f), new int[] {4}, prof).sqrt().toFloatArray();
        assertTrue(rec.snapshot().rows().isEmpty());
        rec.setRecording(true);
        Tensor.wrap(prof.full(4, 2f), new int[] {4}, prof).sqrt();
        assertEquals(2, rec.snapshot().rows().size());
        rec.reset();
        assertTrue(rec.snapshot().rows().isEmpty());
    }

    @Test
    void tableIsSortedByTotalWithMeansAndPercentages() {
        ProfileReport r = new ProfileReport(List.of(new ProfileReport.Row("binary ADD", 4, 2_000_000),
                new ProfileReport.Row("conv2d", 2, 6_000_000), new ProfileReport.Row("allocate", 10, 0)));
        assertEquals(List.of("conv2d", "binary ADD", "allocate"), r.rows().stream().map(ProfileReport.Row::op).toList());
        String[] lines = r.toTable().split("\\R");
        assertEquals("| op                       |    calls |    total ms |    mean ms | % total |", lines[0]);
        assertEquals("| conv2d                   |        2 |       6.000 |     3.0000 |   75.00 |", lines[2]);
        assertEquals("| binary ADD               |        4 |       2.000 |     0.5000 |   25.00 |", lines[3]);
        assertEquals("| allocate                 |       10 |       0.000 |     0.0000 |    0.00 |", lines[4]);
        assertEquals("| total                    |       16 |       8.000 |            |  100.00 |", lines[5]);
    }

    @Test
    void installAfterABackendOpenedIsRefused() {
        Backends.get(Device.REFERENCE);
        if (Profiler.isInstalled()) return; // run with -Ddiffusion4j.profile=true: nothing to refuse
        assertSame(Backends.get(Device.REFERENCE), plainReference(), "off: Backends.get returns the backend itself");
        IllegalStateException e = assertThrows(IllegalStateException.class, Profiler::install);
        assertEquals("Profiler.install() must be called before the first backend is opened (before the first tensor is made), "
                + "or run with -Ddiffusion4j.profile=true", e.getMessage());
        e = assertThrows(IllegalStateException.class, Profiler::scope);
        assertEquals("Profiler.scope(): profiling is off; run with -Ddiffusion4j.profile=true or call Profiler.install() "
                + "before the first tensor is made", e.getMessage());
    }
}
