package diffusion4j.tensor.reference;

import static diffusion4j.tensor.reference.RefTesting.backend;
import static diffusion4j.tensor.reference.RefTesting.floats;
import static diffusion4j.tensor.reference.RefTesting.tensor;
import static diffusion4j.tensor.reference.RefTesting.values;
import static diffusion4j.tensor.reference.RefTesting.view;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.BinaryOp;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.ReduceOp;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

/** unary, binary, where, reduce and argReduce against hand-computed values. */
class RefElementwiseReduceTest {
    /** (2, 3) values 0..5 viewed transposed as (3, 2): row-major 0 3 1 4 2 5. */
    private static Tensor transposed(float... six) {
        return view(six, new Layout(new int[] {3, 2}, new int[] {1, 3}, 0));
    }

    @Test void unaryOnAStridedView() {
        Tensor x = transposed(floats(0, 1, -1, 2, 0.5, -2));
        // Row-major order of the view: 0, 2, 1, 0.5, -1, -2.
        assertArrayEquals(floats(0, 4, 1, 0.25, 1, 4), values(backend().unary(UnaryOp.SQUARE, x)));
        assertArrayEquals(floats(0, 2, 1, 0.5, 0, 0), values(backend().unary(UnaryOp.RELU, x)));
        assertArrayEquals(floats(1, Math.exp(2), Math.E, Math.exp(0.5), Math.exp(-1), Math.exp(-2)),
                values(backend().unary(UnaryOp.EXP, x)));
    }

    @Test void unaryActivationsAtHandValues() {
        Tensor x = tensor(floats(0, 1, -1), 3);
        // sigmoid(1) = 1/(1+e^-1) = 0.7310585786; silu(-1) = -sigmoid(-1) = -0.2689414214.
        assertArrayEquals(floats(0.5, 0.7310585786, 0.2689414214), values(backend().unary(UnaryOp.SIGMOID, x)));
        assertArrayEquals(floats(0, 0.7310585786, -0.2689414214), values(backend().unary(UnaryOp.SILU, x)));
        // gelu(1) = Phi(1) = 0.8413447461; gelu(-1) = -(1 - Phi(1)) = -0.1586552539.
        assertArrayEquals(floats(0, 0.8413447461, -0.1586552539), values(backend().unary(UnaryOp.GELU_ERF, x)));
    }

    @Test void binaryWithBroadcastAndTransposedOperands() {
        Tensor row = view(floats(10, 20, 30), new Layout(new int[] {2, 3}, new int[] {0, 1}, 0)); // broadcast down
        Tensor t = view(floats(0, 1, 2, 3, 4, 5), new Layout(new int[] {2, 3}, new int[] {1, 2}, 0)); // 0 2 4 / 1 3 5
        assertArrayEquals(floats(10, 22, 34, 11, 23, 35), values(backend().binary(BinaryOp.ADD, row, t)));
        assertArrayEquals(floats(0, 1, 1, 0, 1, 1), values(backend().binary(BinaryOp.GT, t, tensor(floats(1, 1, 1, 1, 2, 4), 2, 3))));
        assertArrayEquals(floats(Double.NaN, 2), values(backend().binary(BinaryOp.MAXIMUM,
                tensor(floats(Double.NaN, 1), 2), tensor(floats(0, 2), 2))));
    }

    @Test void whereSelectsByNonZeroCondition() {
        Tensor cond = tensor(floats(1, 0, -2, 0), 4);
        assertArrayEquals(floats(1, 20, 3, 40), values(backend().where(cond, tensor(floats(1, 2, 3, 4), 4),
                tensor(floats(10, 20, 30, 40), 4))));
    }

    @Test void reduceOverOneAndSeveralDims() {
        Tensor x = tensor(floats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), 2, 2, 3);
        assertArrayEquals(floats(8, 10, 12, 14, 16, 18), values(backend().reduce(ReduceOp.SUM, x, new int[] {0})));
        assertArrayEquals(floats(6, 15, 24, 33), values(backend().reduce(ReduceOp.SUM, x, new int[] {2})));
        assertArrayEquals(floats(21, 57), values(backend().reduce(ReduceOp.SUM, x, new int[] {1, 2})));
        assertArrayEquals(floats(10, 11, 12), values(backend().reduce(ReduceOp.MAX, x, new int[] {0, 1})));
        assertArrayEquals(floats(1), values(backend().reduce(ReduceOp.MIN, x, new int[] {0, 1, 2})));
    }

    @Test void reduceReadsStridedInput() {
        // Transposed view rows: (0, 3), (1, 4), (2, 5).
        assertArrayEquals(floats(3, 5, 7), values(backend().reduce(ReduceOp.SUM, transposed(floats(0, 1, 2, 3, 4, 5)), new int[] {1})));
        // A broadcast (stride 0) dim counts each element once per repeat.
        Tensor b = view(floats(1, 2), new Layout(new int[] {4, 2}, new int[] {0, 1}, 0));
        assertArrayEquals(floats(4, 8), values(backend().reduce(ReduceOp.SUM, b, new int[] {0})));
    }

    @Test void sumAccumulatesInDouble() {
        // In float, 1e8 + 1 rounds back to 1e8 and the sum ends at 0; in double it is exactly 1.
        Tensor x = tensor(floats(1e8, 1, -1e8), 3);
        assertArrayEquals(floats(1), values(backend().reduce(ReduceOp.SUM, x, new int[] {0})));
    }

    @Test void maxAndMinPropagateNaN() {
        Tensor x = tensor(floats(1, Double.NaN, 3), 3);
        assertEquals(Float.NaN, values(backend().reduce(ReduceOp.MAX, x, new int[] {0}))[0]);
        assertEquals(Float.NaN, values(backend().reduce(ReduceOp.MIN, x, new int[] {0}))[0]);
    }

    @Test void argReduceGivesTheFirstExtremum() {
        Tensor x = tensor(floats(3, 1, 3, 1,
                                 2, 5, 5, 0), 2, 4);
        assertArrayEquals(floats(0, 1), values(backend().argReduce(ReduceOp.MAX, x, 1)));
        assertArrayEquals(floats(1, 3), values(backend().argReduce(ReduceOp.MIN, x, 1)));
        assertArrayEquals(floats(0, 1, 1, 0), values(backend().argReduce(ReduceOp.MAX, x, 0)));
        assertArrayEquals(floats(1, 0, 0, 1), values(backend().argReduce(ReduceOp.MIN, x, 0)));
        // On the transposed view (3, 2) of 0..5 rows (0,3) (1,4) (2,5): max along dim 0 is row 2.
        assertArrayEquals(floats(2, 2), values(backend().argReduce(ReduceOp.MAX, transposed(floats(0, 1, 2, 3, 4, 5)), 0)));
    }

    @Test void argReduceTreatsNaNAsTheExtremum() {
        Tensor x = tensor(floats(1, Double.NaN, 5, Double.NaN), 4);
        assertArrayEquals(floats(1), values(backend().argReduce(ReduceOp.MAX, x, 0)));
        assertArrayEquals(floats(1), values(backend().argReduce(ReduceOp.MIN, x, 0)));
    }

    @Test void argReduceRejectsSum() {
        var e = assertThrows(IllegalArgumentException.class, () -> backend().argReduce(ReduceOp.SUM, tensor(floats(1), 1), 0));
        assertEquals("argReduce: op must be MAX or MIN, got SUM", e.getMessage());
    }

    @Test void largeTensorsAreQuick() {
        // The oracle must stay usable on ~100k-element inputs from the parity tests.
        int n = 100_000;
        float[] data = new float[n];
        for (int i = 0; i < n; i++) data[i] = i % 7;
        Tensor x = view(data, new Layout(new int[] {400, 250}, new int[] {1, 400}, 0));
        long t0 = System.nanoTime();
        float[] s = values(backend().reduce(ReduceOp.SUM, x, new int[] {0, 1}));
        values(backend().binary(BinaryOp.MUL, x, x));
        assertEquals(expectedModSum(n), s[0]);
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "reference too slow on 100k elements");
    }

    private static float expectedModSum(int n) {
        long s = 0;
        for (int i = 0; i < n; i++) s += i % 7;
        return s;
    }
}
