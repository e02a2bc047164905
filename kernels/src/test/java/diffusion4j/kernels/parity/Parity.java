package diffusion4j.kernels.parity;

import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.testing.TestData;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Backends;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.testing.Close;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The backend parity harness (ggml's test-backend-ops): the same inputs go to the reference
 * backend and to a backend under test, through the {@link Backend} methods themselves, and the
 * results must agree within a tolerance. Inputs are built once as float data and then viewed the
 * same way on both sides, so a transposed, narrowed, stepped or broadcast view reaches the kernel
 * under test exactly as it reaches the oracle.
 */
final class Parity {
    private Parity() {}

    /** Every backend on the class path except the reference: the parameter of every parity test. */
    static Stream<Device> devices() {
        List<Device> all = Backends.available().stream().filter(d -> !d.equals(Device.REFERENCE)).toList();
        assertFalse(all.isEmpty(), "no backend besides the reference is on the class path");
        return all.stream();
    }

    static Backend reference() {
        return Backends.get(Device.REFERENCE);
    }

    /** One input on both backends: equal data, equal views. */
    record Pair(Tensor ref, Tensor dev) {
        /** The same view taken on both sides. */
        Pair view(UnaryOperator<Tensor> f) {
            return new Pair(f.apply(ref), f.apply(dev));
        }

        /** The tensor that lives on backend {@code b}. */
        Tensor on(Backend b) {
            return b.device().equals(Device.REFERENCE) ? ref : dev;
        }

        int[] shape() {
            return ref.shape();
        }
    }

    static Pair pair(Device device, float[] data, int... shape) {
        Pair p = new Pair(Tensor.of(Device.REFERENCE, data, shape), Tensor.of(device, data, shape));
        // Guards the harness itself: a test that compared the reference with itself would always pass.
        assertEquals(device, p.dev().backend().device(), "tensor under test lives on the wrong backend");
        return p;
    }

    /** Standard normal data from a fixed seed, times {@code scale}. */
    static Pair randn(Device device, long seed, float scale, int... shape) {
        return pair(device, TestData.gaussian(seed, scale, Shapes.numel(shape)), shape);
    }

    static Pair randn(Device device, long seed, int... shape) {
        return randn(device, seed, 1f, shape);
    }

    /** The dense values of a storage a backend returned for an output of {@code shape}. */
    static float[] values(Backend b, Storage s, int... shape) {
        return Tensor.wrap(s, shape, b).toFloatArray();
    }

    /**
     * Runs {@code op} on the reference and on {@code device}; asserts the outputs (of {@code shape})
     * agree within {@code |dev - ref| <= atol + rtol |ref|}.
     */
    static void close(String what, Device device, int[] shape, double atol, double rtol, Function<Backend, Storage> op) {
        Backend ref = reference(), dev = Backends.get(device);
        float[] expected = values(ref, op.apply(ref), shape), actual = values(dev, op.apply(dev), shape);
        Close.assertClose(expected, actual, atol, rtol, what + " on " + device, shape);
    }

    /** {@link #close} for ops with several outputs: {@code op} returns them in a fixed order, shapes in {@code shapes}. */
    static void closeAll(String what, Device device, int[][] shapes, double[] atol, double rtol, Function<Backend, Storage[]> op) {
        Backend ref = reference(), dev = Backends.get(device);
        Storage[] e = op.apply(ref), a = op.apply(dev);
        assertEquals(e.length, a.length, what + ": output count");
        for (int i = 0; i < e.length; i++) {
            if (e[i] == null || a[i] == null) {
                assertEquals(e[i] == null, a[i] == null, what + ": output " + i + " null on one side only");
                continue;
            }
            Close.assertClose(values(ref, e[i], shapes[i]), values(dev, a[i], shapes[i]), atol[i], rtol,
                    what + " output " + i + " on " + device, shapes[i]);
        }
    }

    /** Both backends reject the call with the same exception type and message. */
    static void sameError(String what, Device device, Function<Backend, Object> op) {
        Backend ref = reference(), dev = Backends.get(device);
        RuntimeException e = assertThrows(RuntimeException.class, () -> op.apply(ref), what + ": reference did not throw");
        RuntimeException a = assertThrows(RuntimeException.class, () -> op.apply(dev), what + ": " + device + " did not throw");
        assertEquals(e.getClass(), a.getClass(), what + ": exception type");
        assertEquals(e.getMessage(), a.getMessage(), what + ": message");
    }
}
