package diffusion4j.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Backends;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.ReduceOp;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.testing.Close;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The deliberate CPU route: a forced op gives the reference's answer, on the OpenCL device, and
 * logs exactly one line naming it however often it runs.
 */
@ExtendWith(OpenClAvailable.class)
class ClFallbackTest {
    private static final Logger JUL = Logger.getLogger("diffusion4j.opencl"); // System.Logger's default backend
    private final List<String> lines = new ArrayList<>();
    private final Handler handler = new Handler() {
        @Override public void publish(LogRecord r) {
            synchronized (lines) {
                lines.add(r.getMessage());
            }
        }
        @Override public void flush() {}
        @Override public void close() {}
    };

    @BeforeEach
    void listen() {
        JUL.addHandler(handler);
    }

    @AfterEach
    void stop() {
        JUL.removeHandler(handler);
    }

    private List<String> fallbackLines() {
        synchronized (lines) {
            return lines.stream().filter(l -> l.contains("runs on the CPU backend")).toList();
        }
    }

    @Test
    void forcedOpRunsOnTheCpuAndLogsOnce() {
        // A fresh backend over the shared runtime: its own fallback state, the same device.
        OpenClBackend b = new OpenClBackend(Device.opencl(0), OpenClAvailable.backend().runtime());
        b.fallback().force("reduce", true);
        float[] data = {1, 2, 3, 4, 5, 6};
        Tensor x = Tensor.wrap(b.upload(data), new int[] {2, 3}, b).transpose(0, 1); // (3, 2), strided
        Tensor ref = Tensor.of(Device.REFERENCE, data, 2, 3).transpose(0, 1);
        for (int run = 0; run < 3; run++) {
            var out = b.reduce(ReduceOp.SUM, x, new int[] {1});
            assertTrue(out instanceof ClStorage, "the result lives on the device");
            float[] expected = Tensor.wrap(Backends.get(Device.REFERENCE).reduce(ReduceOp.SUM, ref, new int[] {1}), new int[] {3, 1},
                    Backends.get(Device.REFERENCE)).toFloatArray();
            assertArrayEquals(new float[] {5, 7, 9}, expected, "hand-computed column sums");
            Close.assertClose(expected, Tensor.wrap(out, new int[] {3, 1}, b).toFloatArray(), 0, 0, "fallback reduce", new int[] {3, 1});
        }
        assertEquals(List.of("opencl: reduce runs on the CPU backend (not implemented for OpenCL)"), fallbackLines());

        b.fallback().force("reduce", false);
        b.reduce(ReduceOp.SUM, x, new int[] {1});
        assertEquals(1, fallbackLines().size(), "back on OpenCL: no new line");
    }

    @Test
    void systemPropertyForcesOps() {
        String old = System.getProperty("diffusion4j.opencl.cpuOps");
        System.setProperty("diffusion4j.opencl.cpuOps", "matmul, softmax");
        try {
            Fallback f = new Fallback(OpenClAvailable.backend().runtime());
            assertTrue(f.routes("matmul"));
            assertTrue(f.routes("softmax"));
            assertFalse(f.routes("unary"));
        } finally {
            if (old == null) System.clearProperty("diffusion4j.opencl.cpuOps");
            else System.setProperty("diffusion4j.opencl.cpuOps", old);
        }
    }

    @Test
    void forcedCopyIntoWritesTheDeviceStorageInPlace() {
        OpenClBackend b = new OpenClBackend(Device.opencl(0), OpenClAvailable.backend().runtime());
        b.fallback().force("copyInto", true);
        var dst = b.full(6, -1f);
        Tensor src = Tensor.wrap(b.upload(new float[] {1, 2, 3}), new int[] {3}, b);
        b.copyInto(src, dst, new diffusion4j.tensor.Layout(new int[] {3}, new int[] {2}, 1));
        assertArrayEquals(new float[] {-1, 1, -1, 2, -1, 3}, Tensor.wrap(dst, new int[] {6}, b).toFloatArray());
        assertEquals(List.of("opencl: copyInto runs on the CPU backend (not implemented for OpenCL)"), fallbackLines());
    }
}
