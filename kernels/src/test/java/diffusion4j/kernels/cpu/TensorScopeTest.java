package diffusion4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link TensorScope} on the CPU backend: recycling, use-after-close detection, keep, nesting, outside. */
class TensorScopeTest {
    private static final int N = 64 * 128; // above the pool's minimum length

    private static Tensor input(long seed) {
        return Tensor.rand(Device.CPU, new Generator(seed), 64, 128);
    }

    @AfterEach void emptyPool() {
        TensorScope.clearPool();
    }

    @Test void closedScopeRecyclesArraysAndResultsStayCorrect() {
        Tensor x = input(1);
        float[] expected = x.mul(x).add(x).toFloatArray(); // outside any scope
        float[] first;
        try (TensorScope s = TensorScope.open()) {
            Tensor y = x.mul(x).add(x);
            first = HeapStorage.of(y.storage());
            assertArrayEquals(expected, y.toFloatArray());
        }
        assertTrue(TensorScope.pooledBytes() >= 4L * N, "the scope's arrays went back to the pool");
        try (TensorScope s = TensorScope.open()) {
            Tensor p = x.mul(x), z = p.add(x);
            // Same lengths as before: the two arrays come back from the pool (in either order).
            assertTrue(HeapStorage.of(p.storage()) == first || HeapStorage.of(z.storage()) == first, "a pooled array was reused");
            assertArrayEquals(expected, z.toFloatArray(), "a reused array must give the same result");
        }
    }

    @Test void useAfterCloseThrowsForTheTensorAndItsViews() {
        Tensor x = input(2);
        Tensor y, view, small;
        try (TensorScope s = TensorScope.open()) {
            y = x.add(x);
            view = y.reshape(128, 64).transpose(0, 1);
            small = Tensor.rand(Device.CPU, new Generator(3), 3).add(1f); // below the pooled size: released all the same
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, y::toFloatArray);
        assertTrue(e.getMessage().contains("after its TensorScope closed"), e.getMessage());
        assertThrows(IllegalStateException.class, view::toFloatArray);
        assertThrows(IllegalStateException.class, () -> view.add(x));
        assertThrows(IllegalStateException.class, small::toFloatArray);
    }

    @Test void keptTensorsSurviveAndTheirArraysAreNotReused() {
        Tensor x = input(4);
        float[] expected = x.exp().toFloatArray();
        Tensor kept;
        float[] keptArray;
        try (TensorScope s = TensorScope.open()) {
            kept = s.keep(x.exp());
            keptArray = HeapStorage.of(kept.storage());
        }
        assertEquals(0, TensorScope.pooledBytes(), "nothing else of pooled size was created");
        try (TensorScope s = TensorScope.open()) {
            Tensor other = x.neg();
            assertNotSame(keptArray, HeapStorage.of(other.storage()));
        }
        assertArrayEquals(expected, kept.toFloatArray());
    }

    @Test void keepInANestedScopeMovesToTheEnclosingOne() {
        Tensor x = input(5);
        Tensor inner;
        try (TensorScope outer = TensorScope.open()) {
            try (TensorScope in = TensorScope.open()) {
                inner = in.keep(x.add(1f));
            }
            assertEquals(x.toFloatArray()[0] + 1f, inner.toFloatArray()[0]); // still valid inside outer
        }
        assertThrows(IllegalStateException.class, inner::toFloatArray, "released with the enclosing scope");
    }

    @Test void outsideCreatesTensorsThatOutliveTheScope() {
        Tensor x = input(6);
        Tensor made;
        try (TensorScope s = TensorScope.open()) {
            Tensor inScope = x.mul(2f);
            made = TensorScope.outside(() -> inScope.add(x)); // reads scope tensors, creates a lasting one
        }
        float[] xs = x.toFloatArray(), m = made.toFloatArray();
        for (int i = 0; i < xs.length; i++) assertEquals(xs[i] * 2f + xs[i], m[i]);
    }

    @Test void scopesCloseInnermostFirstAndOnTheirOwnThread() throws Exception {
        TensorScope outer = TensorScope.open();
        TensorScope inner = TensorScope.open();
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
            assertTrue(e.getMessage().contains("innermost first"), e.getMessage());
            AtomicReference<Throwable> fromOther = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    inner.close();
                } catch (Throwable ex) {
                    fromOther.set(ex);
                }
            });
            t.start();
            t.join();
            assertTrue(fromOther.get() instanceof IllegalStateException, String.valueOf(fromOther.get()));
        } finally {
            inner.close();
            outer.close();
        }
        // Both closed: allocation is back to plain garbage-collected arrays.
        Tensor y = input(7).add(1f);
        assertEquals(y.toFloatArray().length, N);
    }

    @Test void matmulOutputAllocatedOnAWorkerJoinsTheCallersScope() {
        Tensor a = Tensor.rand(Device.CPU, new Generator(8), 1, 256, 256), b = Tensor.rand(Device.CPU, new Generator(9), 1, 256, 256);
        float[] expected = a.matmul(b).toFloatArray();
        Tensor c;
        try (TensorScope s = TensorScope.open()) {
            c = a.matmul(b);
            assertArrayEquals(expected, c.toFloatArray());
        }
        assertThrows(IllegalStateException.class, c::toFloatArray);
        try (TensorScope s = TensorScope.open()) {
            Tensor again = a.matmul(b);
            assertEquals(expected.length, HeapStorage.of(again.storage()).length);
            assertArrayEquals(expected, again.toFloatArray(), "over a recycled (non-zero) array");
        }
    }

    @Test void releaseGivesMemoryBackBeforeCloseAndOnlyForWhatTheScopeHolds() {
        Tensor x = input(4); // made outside: no scope holds it
        try (TensorScope outer = TensorScope.open()) {
            Tensor kept;
            try (TensorScope inner = TensorScope.open()) {
                Tensor y = x.mul(x), view = y.reshape(128, 64);
                assertTrue(inner.holds(y) && inner.holds(view), "a tensor made in the scope, and its views");
                assertFalse(inner.holds(x), "a tensor made outside");
                assertFalse(inner.release(x), "release of a tensor the scope does not hold");
                long before = TensorScope.pooledBytes();
                float[] array = HeapStorage.of(y.storage());
                assertTrue(inner.release(y));
                assertEquals(before + 4L * N, TensorScope.pooledBytes(), "the array went back to the pool at once");
                Tensor z = x.add(1f);
                assertSame(array, HeapStorage.of(z.storage()), "the next output of that length reuses the released array");
                assertArrayEquals(x.add(1f).toFloatArray(), z.toFloatArray(), "over the recycled array");
                assertThrows(IllegalStateException.class, view::toFloatArray, "a view of a released tensor");
                assertFalse(inner.release(y), "a second release");
                kept = inner.keep(x.add(x));
                assertFalse(inner.holds(kept), "kept: now the enclosing scope's");
                assertFalse(inner.release(kept));
            }
            assertTrue(outer.holds(kept));
            assertArrayEquals(x.add(x).toFloatArray(), kept.toFloatArray(), "a kept tensor stays readable in the enclosing scope");
        }
        assertEquals(N, x.toFloatArray().length, "a tensor made outside every scope is never released");
    }
}
