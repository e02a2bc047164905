package diffusion4j.kernels.parity;

import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.testing.TestData;
import diffusion4j.kernels.parity.Parity.Pair;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.ReduceOp;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import diffusion4j.tensor.Tensor;

/**
 * reduce and argReduce against the reference: every subset of dims of a rank-3 tensor, dense and
 * permuted, a wide kept last dim (the column path), long reductions, NaN, ties and empty dims.
 */
class ReduceParityTest {
    /** One input and the dim subsets to reduce it over. */
    private record Case(String name, int[] baseShape, UnaryOperator<Tensor> view, int[][] dims) {}

    private static final int[][] ALL_RANK3 = {{0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2}, {0, 1, 2}};

    private static final List<Case> CASES = List.of(
            new Case("dense (7, 17, 33)", new int[] {7, 17, 33}, t -> t, ALL_RANK3),
            new Case("permuted (33, 7, 17)", new int[] {7, 17, 33}, t -> t.permute(2, 0, 1), ALL_RANK3),
            new Case("stepped and narrowed", new int[] {9, 20, 12}, t -> t.slice(0, 1, 9, 2).narrow(2, 1, 10), ALL_RANK3),
            new Case("broadcast (5, 3, 7)", new int[] {1, 3, 7}, t -> t.expand(5, 3, 7), ALL_RANK3),
            new Case("size-1 dims (1, 3, 1)", new int[] {1, 3, 1}, t -> t, ALL_RANK3),
            new Case("wide kept last dim (3, 1100)", new int[] {3, 1100}, t -> t, new int[][] {{0}, {1}, {0, 1}}),
            new Case("long rows (2, 40000)", new int[] {2, 40000}, t -> t, new int[][] {{0}, {1}, {0, 1}}),
            new Case("long columns (3000, 5)", new int[] {3000, 5}, t -> t, new int[][] {{0}, {1}}),
            new Case("rank 1 (100)", new int[] {100}, t -> t, new int[][] {{0}}));

    static Stream<Arguments> cases() {
        return Parity.devices().flatMap(d -> Stream.of(ReduceOp.values()).map(op -> Arguments.of(d, op)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void reduce(Device device, ReduceOp op) {
        long seed = 1;
        for (Case c : CASES) {
            Pair x = Parity.randn(device, seed++, c.baseShape()).view(c.view());
            for (int[] dims : c.dims()) {
                int[] out = x.shape();
                int k = 1;
                for (int d : dims) {
                    k *= out[d];
                    out[d] = 1;
                }
                // float sums of k terms drift like sqrt(k) roundings of the partial sums.
                double atol = 1e-4 * Math.sqrt(k);
                Parity.close("reduce " + op + " " + c.name() + " over " + java.util.Arrays.toString(dims), device, out, atol, 1e-4,
                        b -> b.reduce(op, x.on(b), dims));
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void reduceWithNaN(Device device, ReduceOp op) {
        float[] v = TestData.gaussian(7, 1f, 4 * 37);
        v[5] = Float.NaN;
        v[3 * 37 + 36] = Float.NaN;
        Pair x = Parity.pair(device, v, 4, 37);
        for (int[] dims : new int[][] {{0}, {1}, {0, 1}}) {
            int[] out = {dims.length == 2 || dims[0] == 0 ? 1 : 4, dims[0] == 1 || dims.length == 2 ? 1 : 37};
            Parity.close("reduce " + op + " with NaN over " + java.util.Arrays.toString(dims), device, out, 1e-3, 1e-4,
                    b -> b.reduce(op, x.on(b), dims));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void argReduce(Device device) {
        long seed = 50;
        for (Case c : CASES) {
            // Quantized data: ties are common, so "first index of the extremum" is exercised.
            float[] v = TestData.gaussian(seed++, 2f, Shapes.numel(c.baseShape()));
            for (int i = 0; i < v.length; i++) v[i] = Math.round(v[i]);
            Pair x = Parity.pair(device, v, c.baseShape()).view(c.view());
            for (int dim = 0; dim < x.shape().length; dim++) {
                int[] out = x.shape();
                out[dim] = 1;
                for (ReduceOp op : new ReduceOp[] {ReduceOp.MAX, ReduceOp.MIN}) {
                    int d = dim;
                    Parity.close("argReduce " + op + " " + c.name() + " dim " + dim, device, out, 0, 0, b -> b.argReduce(op, x.on(b), d));
                }
            }
        }
        float[] nan = {1, Float.NaN, 5, Float.NaN, 9, 2, -1, -7, 3};
        Pair x = Parity.pair(device, nan, 3, 3);
        for (ReduceOp op : new ReduceOp[] {ReduceOp.MAX, ReduceOp.MIN}) {
            for (int dim = 0; dim < 2; dim++) {
                int d = dim;
                int[] out = dim == 0 ? new int[] {1, 3} : new int[] {3, 1};
                Parity.close("argReduce " + op + " with NaN dim " + dim, device, out, 0, 0, b -> b.argReduce(op, x.on(b), d));
            }
        }
        Parity.sameError("argReduce SUM", device, b -> b.argReduce(ReduceOp.SUM, x.on(b), 0));
    }
}
