package diffusion4j.tensor.reference;

import static diffusion4j.tensor.reference.RefTesting.backend;
import static diffusion4j.tensor.reference.RefTesting.floats;
import static diffusion4j.tensor.reference.RefTesting.tensor;
import static diffusion4j.tensor.reference.RefTesting.values;
import static diffusion4j.tensor.reference.RefTesting.view;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.DType;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Philox;
import diffusion4j.tensor.RandomKind;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

/** Registration, storage ops and the layout walk every kernel reads its inputs through. */
class ReferenceBackendTest {
    private static final float[] SIX = floats(0, 1, 2, 3, 4, 5);

    @Test void registeredForTheReferenceDevice() {
        Backend b = backend();
        assertInstanceOf(ReferenceBackend.class, b);
        assertEquals(Device.REFERENCE, b.device());
        assertEquals("reference", b.name());
        assertTrue(Device.available().contains(Device.REFERENCE));
    }

    @Test void providerRefusesOtherDevices() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ReferenceProvider().open(Device.CPU));
        assertTrue(e.getMessage().contains("'cpu'"), e.getMessage());
    }

    @Test void offsetsWalkTransposedBroadcastAndOffsetLayouts() {
        // (2, 3) seen transposed as (3, 2): row-major order of the view reads 0 3 1 4 2 5.
        assertArrayEquals(new int[] {0, 3, 1, 4, 2, 5}, Strided.offsets(new Layout(new int[] {3, 2}, new int[] {1, 3}, 0)));
        // A row broadcast down 2 rows, starting at element 4.
        assertArrayEquals(new int[] {4, 5, 6, 4, 5, 6}, Strided.offsets(new Layout(new int[] {2, 3}, new int[] {0, 1}, 4)));
        // Rank 0 is one element at the offset; an empty shape has none.
        assertArrayEquals(new int[] {7}, Strided.offsets(new Layout(new int[0], new int[0], 7)));
        assertArrayEquals(new int[0], Strided.offsets(new Layout(new int[] {2, 0}, new int[] {0, 1}, 0)));
        // Negative strides are not produced by views today, but the walk handles them anyway.
        assertArrayEquals(new int[] {2, 1, 0}, Strided.offsets(new Layout(new int[] {3}, new int[] {-1}, 2)));
    }

    @Test void downloadReadsThroughTheLayout() {
        Tensor t = view(SIX, new Layout(new int[] {3, 2}, new int[] {1, 3}, 0));
        assertArrayEquals(floats(0, 3, 1, 4, 2, 5), backend().download(t));
        Tensor narrowed = view(SIX, new Layout(new int[] {2}, new int[] {2}, 1));
        assertArrayEquals(floats(1, 3), backend().download(narrowed));
    }

    @Test void uploadOwnsTheArrayWhileTensorOfCopiesAndFullFills() {
        float[] data = floats(1, 2);
        Tensor copied = Tensor.of(Device.REFERENCE, data, 2);
        Tensor adopted = Tensor.adopt(Device.REFERENCE, data, 2);
        data[0] = 9; // Tensor.of took a private copy; adopt (and upload) took the array itself
        assertArrayEquals(floats(1, 2), copied.toFloatArray());
        assertArrayEquals(floats(9, 2), adopted.toFloatArray());
        assertArrayEquals(floats(2.5, 2.5, 2.5), values(backend().full(3, 2.5f)));
        assertArrayEquals(new float[4], values(backend().allocate(4)));
    }

    @Test void copyIntoWritesAStridedDestination() {
        Storage dst = backend().allocate(8);
        Layout column = new Layout(new int[] {2, 2}, new int[] {4, 1}, 1); // elements 1, 2, 5, 6
        backend().copyInto(tensor(floats(10, 11, 12, 13), 2, 2), dst, column);
        assertArrayEquals(floats(0, 10, 11, 0, 0, 12, 13, 0), values(dst));
        // From a broadcast source.
        Storage dst2 = backend().allocate(4);
        backend().copyInto(view(floats(7, 8), new Layout(new int[] {2, 2}, new int[] {0, 1}, 0)), dst2, Layout.contiguous(2, 2));
        assertArrayEquals(floats(7, 8, 7, 8), values(dst2));
    }

    @Test void randomIsThePhiloxStream() {
        for (RandomKind kind : RandomKind.values()) {
            float[] expected = new float[10];
            Philox.fill(kind, 123, 4, expected, 0, 10);
            assertArrayEquals(expected, values(backend().random(kind, 10, 123, 4)), kind.name());
        }
        // One hand-checked element: uniform element 1 is word 1 of block (offset 0), top 24 bits.
        int[] w = new int[4];
        Philox.block(0, 0, w);
        assertEquals((w[1] >>> 8) / 16777216f, values(backend().random(RandomKind.UNIFORM, 2, 0, 0))[1]);
    }

    @Test void outputsAreNewStorages() {
        Tensor x = tensor(SIX, 2, 3);
        Storage y = backend().unary(UnaryOp.NEG, x);
        assertTrue(y != x.storage());
        assertArrayEquals(SIX, HeapStorage.of(x.storage()), "input must be untouched");
    }

    @Test void foreignStorageIsRejectedByName() {
        Storage foreign = new Storage() {
            @Override public int length() { return 1; }
            @Override public DType dtype() { return DType.FLOAT32; }
        };
        Tensor t = Tensor.wrap(foreign, new int[] {1}, backend());
        var e = assertThrows(IllegalArgumentException.class, () -> backend().download(t));
        assertTrue(e.getMessage().contains("heap"), e.getMessage());
    }
}
