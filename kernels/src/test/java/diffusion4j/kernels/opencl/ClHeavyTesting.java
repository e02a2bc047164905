package diffusion4j.kernels.opencl;

import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.testing.TestData;
import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Backends;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.testing.Close;
import java.util.function.UnaryOperator;

/**
 * Shared pieces of the heavy-kernel tests (each class runs under {@link OpenClAvailable}: skipped
 * with the reason where this machine has no OpenCL device, a failure under {@code CI=true}): the
 * backend under test, inputs built once and placed on both the reference backend and the device,
 * and comparison of two storages.
 */
final class ClHeavyTesting {
    private ClHeavyTesting() {}

    /** The OpenCL backend of device opencl:0 (test classes skip or fail first through {@link OpenClAvailable}). */
    static OpenClBackend backend() {
        return OpenClAvailable.backend();
    }

    static Backend reference() {
        return Backends.get(Device.REFERENCE);
    }

    /** One input on both sides: equal data, equal views. */
    record Pair(Tensor ref, Tensor cl) {
        Pair view(UnaryOperator<Tensor> f) {
            return new Pair(f.apply(ref), f.apply(cl));
        }
    }

    static Pair pair(OpenClBackend cl, float[] data, int... shape) {
        return new Pair(Tensor.of(Device.REFERENCE, data, shape), Tensor.of(cl.device(), data, shape));
    }

    /** Standard normal data from {@code seed}. */
    static Pair randn(OpenClBackend cl, long seed, int... shape) {
        return pair(cl, TestData.gaussian(seed, 1f, Shapes.numel(shape)), shape);
    }

    /** Dense values of an output of {@code shape} that backend {@code b} returned. */
    static float[] values(Backend b, Storage s, int... shape) {
        return Tensor.wrap(s, shape, b).toFloatArray();
    }

    /** The device result agrees with the reference's: {@code |cl - ref| <= atol + 1e-4 |ref|}, infinities exactly. */
    static void close(String what, OpenClBackend cl, Storage expected, Storage actual, double atol, int... shape) {
        Close.assertClose(values(reference(), expected, shape), values(cl, actual, shape), atol, 1e-4, what, shape);
    }
}
