package diffusion4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The front end's shape logic on the reference backend: views, broadcasting, composites and the
 * errors for bad shapes. Expected values are written out by hand.
 */
class TensorFrontEndTest {
    static final Device D = Device.REFERENCE;

    static Tensor t(float[] v, int... shape) {
        return Tensor.of(D, v, shape);
    }

    static Tensor iota(int... shape) {
        return Tensor.arange(D, 0, Shapes.numel(shape), 1).reshape(shape);
    }

    static void assertValues(float[] expected, Tensor actual) {
        assertArrayEquals(expected, actual.toFloatArray(), 1e-6f, actual.toString());
    }

    @Test void viewsShareStorageAndPickTheRightElements() {
        Tensor x = iota(2, 3); // [[0,1,2],[3,4,5]]
        Tensor tr = x.t();
        assertSame(x.storage(), tr.storage());
        assertFalse(tr.isContiguous());
        assertValues(new float[] {0, 3, 1, 4, 2, 5}, tr);
        assertValues(new float[] {1, 2, 4, 5}, x.narrow(1, 1, 2));
        assertValues(new float[] {3, 4, 5}, x.select(0, 1));
        assertValues(new float[] {0, 2, 3, 5}, x.slice(1, 0, 3, 2));
        assertValues(new float[] {0, 1, 2, 0, 1, 2}, x.select(0, 0).expand(2, 3));
        assertArrayEquals(new int[] {2, 1, 3}, x.unsqueeze(1).shape());
        assertArrayEquals(new int[] {2, 3}, x.unsqueeze(1).squeeze(1).shape());
        assertEquals(4f, x.get(1, 1));
    }

    @Test void reshapeIsAViewWhenStridesAllowAndACopyOtherwise() {
        Tensor x = iota(2, 3, 4);
        Tensor v = x.reshape(6, -1);
        assertSame(x.storage(), v.storage());
        assertArrayEquals(new int[] {6, 4}, v.shape());
        Tensor p = x.permute(2, 0, 1); // (4, 2, 3)
        assertSame(x.storage(), p.reshape(4, 2, 3).storage());
        // (4, 2, 3) with strides (1, 12, 4): the last two dims merge into a view, all three cannot.
        assertSame(x.storage(), p.reshape(4, 6).storage());
        Tensor copied = p.reshape(-1);
        assertFalse(copied.storage() == x.storage());
        assertValues(new float[] {0, 4, 8, 12, 16, 20}, copied.narrow(0, 0, 6));
        // Merging dims that stay adjacent in memory needs no copy even for a permuted tensor.
        Tensor q = iota(2, 3, 4).permute(1, 2, 0); // (3, 4, 2) with strides (4, 1, 12)
        assertSame(q.storage(), q.view(12, 2).storage()); // dims 0 and 1 are adjacent in memory
        IllegalArgumentException ve = assertThrows(IllegalArgumentException.class, () -> q.view(3, 8)); // dims 1 and 2 are not
        assertTrue(ve.getMessage().contains("without a copy"), ve.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.reshape(5, -1));
        assertTrue(e.getMessage().contains("cannot infer -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> x.reshape(7, 4));
        assertTrue(e.getMessage().contains("(2, 3, 4)") && e.getMessage().contains("(7, 4)"), e.getMessage());
        assertArrayEquals(new int[] {2, 12}, x.flatten(1, 2).shape());
    }

    @Test void broadcastingFollowsNumpyAndNamesShapesOnError() {
        Tensor a = iota(2, 1, 3);
        Tensor b = t(new float[] {10, 20}, 2, 1);
        Tensor s = a.add(b); // (2, 2, 3)
        assertArrayEquals(new int[] {2, 2, 3}, s.shape());
        assertValues(new float[] {10, 11, 12, 20, 21, 22, 13, 14, 15, 23, 24, 25}, s);
        assertValues(new float[] {0, 2, 4, 6, 8, 10}, iota(2, 3).mul(2f));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> iota(2, 3).add(iota(4)));
        assertTrue(e.getMessage().contains("(2, 3)") && e.getMessage().contains("(4,)"), e.getMessage());
    }

    @Test void comparisonsWhereAndClamp() {
        Tensor x = t(new float[] {-2, -0.5f, 0, 0.5f, 2}, 5);
        assertValues(new float[] {0, 0, 0, 1, 1}, x.gt(0f));
        assertValues(new float[] {-1, -0.5f, 0, 0.5f, 1}, x.clamp(-1, 1));
        assertValues(new float[] {9, 9, 0, 0.5f, 2}, Tensor.where(x.ge(0f), x, Tensor.scalar(D, 9)));
        assertThrows(IllegalArgumentException.class, () -> x.clamp(1, -1));
    }

    @Test void reductionsWithAndWithoutKeepdim() {
        Tensor x = t(new float[] {1, 5, 3, 4, 2, 6}, 2, 3);
        assertValues(new float[] {21}, x.sum());
        assertValues(new float[] {9, 12}, x.sum(1, false));
        assertArrayEquals(new int[] {2, 1}, x.sum(1, true).shape());
        assertValues(new float[] {2.5f, 3.5f, 4.5f}, x.mean(0, false));
        assertValues(new float[] {5, 6}, x.max(1, false));
        assertValues(new float[] {1, 2}, x.argmax(1, false));
        assertValues(new float[] {0, 1}, x.argmin(1, false));
        // var of {1,5,3}: mean 3, squared deviations 4+4+0 = 8; unbiased 4, biased 8/3.
        assertValues(new float[] {4, 4}, x.var(new int[] {1}, false, 1));
        assertValues(new float[] {8f / 3, 8f / 3}, x.var(new int[] {1}, false, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.sum(2, false));
        assertTrue(e.getMessage().contains("dim 2 out of range"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> x.sum(new int[] {1, -1}, false));
    }

    @Test void softmaxRowsAreExpOverSum() {
        Tensor x = t(new float[] {0, (float) Math.log(3), 1000, 1000}, 2, 2);
        assertValues(new float[] {0.25f, 0.75f, 0.5f, 0.5f}, x.softmax(1));
        assertValues(new float[] {(float) Math.log(0.25), (float) Math.log(0.75), (float) Math.log(0.5), (float) Math.log(0.5)},
                x.logSoftmax(-1));
    }

    @Test void matmulFollowsTorchRules() {
        Tensor a = iota(2, 3);                       // [[0,1,2],[3,4,5]]
        Tensor b = t(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
        assertValues(new float[] {2, 3, 8, 9}, a.matmul(b));
        assertValues(new float[] {5, 14}, a.matmul(t(new float[] {0, 1, 2}, 3)));   // matrix @ vector
        assertValues(new float[] {3, 4, 5}, t(new float[] {0, 1}, 2).matmul(a));   // vector @ matrix
        // Batched (2, 2, 3) @ (3, 2) broadcasts the matrix; transposed operands are views.
        Tensor batch = iota(2, 2, 3);
        Tensor out = batch.matmul(b);
        assertArrayEquals(new int[] {2, 2, 2}, out.shape());
        assertValues(new float[] {2, 3, 8, 9, 14, 15, 20, 21}, out);
        assertValues(new float[] {5, 14, 14, 50}, a.matmul(a.t()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.matmul(a));
        assertTrue(e.getMessage().contains("do not chain"), e.getMessage());
    }

    @Test void concatStackSplitChunkPad() {
        Tensor a = iota(2, 2), b = t(new float[] {9, 9}, 2, 1);
        assertValues(new float[] {0, 1, 9, 2, 3, 9}, Tensor.concat(1, a, b));
        assertArrayEquals(new int[] {2, 2, 2}, Tensor.stack(0, List.of(a, a)).shape());
        assertValues(new float[] {0, 0, 1, 1, 2, 2, 3, 3}, Tensor.stack(-1, List.of(a, a)));
        List<Tensor> parts = iota(5).split(2, 0);
        assertEquals(3, parts.size());
        assertValues(new float[] {4}, parts.get(2));
        assertEquals(2, iota(4, 3).chunk(2, 0).size());
        assertValues(new float[] {7, 7, 7, 7, 7, 0, 1, 7, 7, 2, 3, 7, 7, 7, 7, 7}, a.pad(new int[] {1, 1, 1, 1}, 7));
        assertThrows(IllegalArgumentException.class, () -> Tensor.concat(0, a, b));
        assertThrows(IllegalArgumentException.class, () -> a.pad(new int[] {1}, 0));
    }

    @Test void gatherEmbeddingAndCrossEntropy() {
        Tensor w = iota(4, 2); // rows [0,1],[2,3],[4,5],[6,7]
        Tensor ids = t(new float[] {3, 0, 3}, 3);
        assertValues(new float[] {6, 7, 0, 1, 6, 7}, Functional.embedding(w, ids));
        Tensor logits = t(new float[] {0, 0, (float) Math.log(3), 0}, 2, 2);
        // Row 0: uniform, target 1 -> ln 2. Row 1: p = (3/4, 1/4), target 0 -> -ln(3/4).
        float expected = (float) ((Math.log(2) - Math.log(0.75)) / 2);
        assertEquals(expected, Functional.crossEntropy(logits, t(new float[] {1, 0}, 2)).item(), 1e-6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Functional.crossEntropy(logits, t(new float[] {1, 0, 1}, 3)));
        assertTrue(e.getMessage().contains("targets must be (2,)"), e.getMessage());
        Tensor added = Tensor.scatterAdd(new int[] {4, 2}, 0, ids.reshape(3, 1).expand(3, 2), Tensor.ones(D, 3, 2));
        assertValues(new float[] {1, 1, 0, 0, 0, 0, 2, 2}, added);
    }

    @Test void poolingAndUpsampling() {
        Tensor x = iota(1, 1, 4, 4);
        assertValues(new float[] {5, 7, 13, 15}, Functional.maxPool2d(x, 2, 2, 0));
        assertValues(new float[] {2.5f, 4.5f, 10.5f, 12.5f}, Functional.avgPool2d(x, 2, 2, 0));
        // Padded average pooling counts zeros: top-left window of a 3x3 pad-1 pool holds 0,1,4,5 of 9 cells.
        assertEquals(10f / 9, Functional.avgPool2d(x, 3, 2, 1).get(0, 0, 0, 0), 1e-6);
        assertValues(new float[] {0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3}, Functional.upsampleNearest(iota(1, 1, 2, 2), 2));
    }

    @Test void convRejectsMismatchedShapesWithClearMessages() {
        Tensor x = Tensor.zeros(D, 1, 3, 8, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Functional.conv2d(x, Tensor.zeros(D, 4, 2, 3, 3), null, ConvParams.DEFAULT));
        assertTrue(e.getMessage().contains("3 channels") && e.getMessage().contains("expects 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Functional.conv2d(Tensor.zeros(D, 3, 8, 8), Tensor.zeros(D, 4, 3, 3, 3), null, ConvParams.DEFAULT));
        assertTrue(e.getMessage().contains("(N, C, H, W)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Functional.conv2d(x, Tensor.zeros(D, 4, 3, 9, 9), null, ConvParams.DEFAULT));
        assertTrue(e.getMessage().contains("spans 9"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConvParams.of(0, 1));
        assertArrayEquals(new int[] {1, 4, 4, 4}, Functional.conv2d(x, Tensor.zeros(D, 4, 3, 3, 3), null, ConvParams.of(2, 1)).shape());
    }

    @Test void factoriesAndRandomStreams() {
        assertValues(new float[] {0, 0.5f, 1}, Tensor.linspace(D, 0, 1, 3));
        assertValues(new float[] {3, 1}, Tensor.arange(D, 3, 0, -2));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(D, 2, -1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(D, new float[3], 2, 2));
        Generator g1 = new Generator(42), g2 = new Generator(42);
        Tensor r1 = Tensor.randn(D, g1, 5), r2 = Tensor.randn(D, g2, 5);
        assertArrayEquals(r1.toFloatArray(), r2.toFloatArray());
        assertFalse(java.util.Arrays.equals(r1.toFloatArray(), Tensor.randn(D, g1, 5).toFloatArray()), "the stream advances");
        assertEquals(6, g1.offset(), "5 normals use 3 blocks, drawn twice");
        Generator resumed = new Generator(42, 3); // continues g2's stream after its first draw
        assertArrayEquals(Tensor.randn(D, g2, 5).toFloatArray(), Tensor.randn(D, resumed, 5).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> new Generator(1, -1));
    }

    @Test void devicesParseAndUnknownDevicesAreNamed() {
        assertEquals(Device.opencl(1), Device.parse("OpenCL:1"));
        assertEquals("opencl:0", Device.opencl(0).toString());
        assertEquals(Device.CPU, Device.parse("cpu"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.get(new Device("tpu", 0)));
        assertTrue(e.getMessage().contains("no backend for device 'tpu'") && e.getMessage().contains("reference"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Device.parse("opencl:x"));
        assertThrows(IllegalStateException.class, () -> iota(2).item());
    }
}
