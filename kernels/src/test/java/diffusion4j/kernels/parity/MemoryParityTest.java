package diffusion4j.kernels.parity;

import diffusion4j.tensor.testing.TestData;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import diffusion4j.kernels.parity.Inputs.Case;
import diffusion4j.kernels.parity.Inputs.Fix;
import diffusion4j.kernels.parity.Parity.Pair;
import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Backends;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.RandomKind;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Storage ops against the reference, all bit-exact: download, contiguous and copyInto of every view in
 * {@link Inputs}, full and upload, and the Philox stream (the same numbers on every backend is the
 * point of a counter-based generator).
 */
class MemoryParityTest {
    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void downloadEveryView(Device device) {
        long seed = 1;
        for (Case c : Inputs.UNARY) {
            Pair x = c.build(device, seed++, Fix.NONE);
            assertArrayEquals(x.ref().toFloatArray(), x.dev().toFloatArray(), "download " + c.name() + " on " + device);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void copyIntoStridedDestinations(Device device) {
        long seed = 10;
        for (Case c : Inputs.UNARY) {
            Pair src = c.build(device, seed++, Fix.NONE);
            int[] shape = src.shape();
            // Destination: the same shape placed inside a bigger storage, transposed when rank 2,
            // at an offset, with every other element along the last dim skipped.
            Layout dst = destination(shape);
            int length = (int) dst.extent() + 3;
            Backend ref = Parity.reference(), dev = Backends.get(device);
            Storage rs = ref.full(length, -7f), ds = dev.full(length, -7f);
            ref.copyInto(src.ref(), rs, dst);
            dev.copyInto(src.dev(), ds, dst);
            assertArrayEquals(Parity.values(ref, rs, length), Parity.values(dev, ds, length), "copyInto " + c.name() + " on " + device);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void contiguousCopyOfEveryView(Device device) {
        long seed = 40;
        Backend dev = Backends.get(device);
        for (Case c : Inputs.UNARY) {
            Pair x = c.build(device, seed++, Fix.NONE);
            int n = x.dev().numel();
            assertArrayEquals(x.ref().toFloatArray(), Parity.values(dev, dev.contiguous(x.dev()), n), "contiguous " + c.name() + " on " + device);
        }
        // A permuted, narrowed view big enough for the pooled, multithreaded path, against the
        // definition element by element. The tests' poisoning starts every new or recycled array as
        // NaN, so an element the copy skipped would show; in a scope, the array comes from the pool.
        Tensor big = Tensor.randn(device, new Generator(3), 3, 64, 80);
        float[] all = big.toFloatArray(), want = new float[70 * 3 * 64];
        for (int a = 0; a < 70; a++) {
            for (int b = 0; b < 3; b++) {
                for (int c = 0; c < 64; c++) want[(a * 3 + b) * 64 + c] = all[(b * 64 + c) * 80 + a + 5];
            }
        }
        Tensor view = big.permute(2, 0, 1).narrow(0, 5, 70); // (70, 3, 64)
        try (TensorScope scope = TensorScope.open()) {
            assertArrayEquals(want, Parity.values(dev, dev.contiguous(view), want.length), "contiguous of a permuted view on " + device);
        }
    }

    /** A strided layout of {@code shape}: stride 2 on the last dim, offset 5, last two dims stored transposed. */
    private static Layout destination(int[] shape) {
        int r = shape.length;
        int[] strides = new int[r];
        int s = 2;
        for (int i = r - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(1, shape[i]);
        }
        if (r >= 2) {
            // Store the last two dims transposed: swap which of them steps faster.
            int a = shape[r - 1], b = shape[r - 2];
            strides[r - 2] = 2;
            strides[r - 1] = 2 * b;
            if (a == 0 || b == 0) strides[r - 1] = 2;
        }
        return new Layout(shape, strides, 5);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void fullAndUpload(Device device) {
        Backend ref = Parity.reference(), dev = Backends.get(device);
        for (int n : new int[] {0, 1, 7, 100}) {
            assertArrayEquals(Parity.values(ref, ref.full(n, 2.5f), n), Parity.values(dev, dev.full(n, 2.5f), n), "full " + n);
            assertArrayEquals(new float[n], Parity.values(dev, dev.allocate(n), n), "allocate " + n + " is zero-filled");
            float[] data = TestData.gaussian(n, 1f, n);
            assertArrayEquals(data, Parity.values(dev, dev.upload(data), n), "upload " + n);
        }
        Tensor t = Tensor.of(device, new float[] {1, 2, 3}, 3);
        assertArrayEquals(new float[] {1, 2, 3}, t.toFloatArray(), "round trip through Tensor.of");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void randomIsBitExact(Device device) {
        Backend ref = Parity.reference(), dev = Backends.get(device);
        for (RandomKind kind : RandomKind.values()) {
            for (int n : new int[] {1, 3, 7, 17, 100, 40_001}) {
                for (long offset : new long[] {0, 5}) {
                    long seed = 0x5eed_0000_0001L * n;
                    float[] e = Parity.values(ref, ref.random(kind, n, seed, offset), n);
                    float[] a = Parity.values(dev, dev.random(kind, n, seed, offset), n);
                    assertArrayEquals(e, a, "random " + kind + " n=" + n + " offset=" + offset + " on " + device);
                }
            }
        }
    }
}
