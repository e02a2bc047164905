package diffusion4j.kernels.parity;

import diffusion4j.tensor.Shapes;
import diffusion4j.kernels.parity.Parity.Pair;
import diffusion4j.tensor.Device;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** gather and scatterAdd against the reference: every dim, index views, repeated indices, bad indices. */
class IndexParityTest {
    private static final int[] X = {5, 7, 6};

    /** An index of {@code shape} whose values along {@code dim} lie in {@code [0, size)}, repeats included. */
    private static float[] indices(long seed, int[] shape, int size) {
        Random r = new Random(seed);
        float[] v = new float[Shapes.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = r.nextInt(size);
        return v;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void gatherEveryDim(Device device) {
        Pair x = Parity.randn(device, 1, X);
        for (int dim = 0; dim < 3; dim++) {
            // Index smaller than x along the other dims, and longer along dim (repeats).
            int[] ishape = {4, 3, 5};
            ishape[dim] = 11;
            Pair index = Parity.pair(device, indices(dim, ishape, X[dim]), ishape);
            int d = dim;
            Parity.close("gather dim " + dim, device, ishape, 0, 0, b -> b.gather(x.on(b), d, index.on(b)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void gatherFromViews(Device device) {
        // x transposed (7, 5, 6) -> gather along 0; index is itself a transposed view.
        Pair x = Parity.randn(device, 2, X).view(t -> t.transpose(0, 1));
        Pair index = Parity.pair(device, indices(3, new int[] {4, 9, 2}, 7), 4, 9, 2).view(t -> t.permute(1, 0, 2));
        Parity.close("gather from a transposed x with a permuted index", device, index.shape(), 0, 0,
                b -> b.gather(x.on(b), 0, index.on(b)));
        // Broadcast index (stride 0) and an x narrowed at an offset.
        Pair x2 = Parity.randn(device, 4, 6, 10).view(t -> t.narrow(1, 2, 7));
        Pair index2 = Parity.pair(device, indices(5, new int[] {1, 3}, 7), 1, 3).view(t -> t.expand(6, 3));
        Parity.close("gather with a broadcast index", device, new int[] {6, 3}, 0, 0, b -> b.gather(x2.on(b), 1, index2.on(b)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void scatterAddEveryDim(Device device) {
        for (int dim = 0; dim < 3; dim++) {
            int[] ishape = {4, 3, 5};
            ishape[dim] = 11; // more sources than slots: repeated indices accumulate
            Pair index = Parity.pair(device, indices(10 + dim, ishape, X[dim]), ishape);
            Pair src = Parity.randn(device, 20 + dim, ishape);
            int d = dim;
            Parity.close("scatterAdd dim " + dim, device, X, 1e-5, 1e-5, b -> b.scatterAdd(X.clone(), d, index.on(b), src.on(b)));
        }
        // Strided src and index.
        Pair index = Parity.pair(device, indices(30, new int[] {9, 4}, 7), 9, 4).view(t -> t.transpose(0, 1));
        Pair src = Parity.randn(device, 31, 9, 8).view(t -> t.slice(1, 0, 8, 2).transpose(0, 1));
        Parity.close("scatterAdd with strided index and src", device, new int[] {4, 7}, 1e-5, 1e-5,
                b -> b.scatterAdd(new int[] {4, 7}, 1, index.on(b), src.on(b)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void badIndicesFailLikeTheReference(Device device) {
        Pair x = Parity.randn(device, 1, 2, 3);
        Pair high = Parity.pair(device, new float[] {0, 3}, 2, 1);
        Pair negative = Parity.pair(device, new float[] {-1, 0}, 2, 1);
        Pair fraction = Parity.pair(device, new float[] {0.5f, 1}, 2, 1);
        Pair src = Parity.randn(device, 2, 2, 1);
        for (Pair index : new Pair[] {high, negative, fraction}) {
            Parity.sameError("gather " + index.ref(), device, b -> b.gather(x.on(b), 1, index.on(b)));
            Parity.sameError("scatterAdd " + index.ref(), device, b -> b.scatterAdd(new int[] {2, 3}, 1, index.on(b), src.on(b)));
        }
    }
}
