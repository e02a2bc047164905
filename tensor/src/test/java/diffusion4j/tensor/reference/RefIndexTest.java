package diffusion4j.tensor.reference;

import static diffusion4j.tensor.reference.RefTesting.backend;
import static diffusion4j.tensor.reference.RefTesting.dot;
import static diffusion4j.tensor.reference.RefTesting.floats;
import static diffusion4j.tensor.reference.RefTesting.randomDoubles;
import static diffusion4j.tensor.reference.RefTesting.tensor;
import static diffusion4j.tensor.reference.RefTesting.values;
import static diffusion4j.tensor.reference.RefTesting.view;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** gather and scatterAdd: hand values, the adjoint identity, and index validation messages. */
class RefIndexTest {
    private static final Tensor X = tensor(floats(1, 2, 3,
                                                  4, 5, 6), 2, 3);

    @Test void gatherAlongLastDim() {
        Tensor idx = tensor(floats(2, 0,
                                   1, 1), 2, 2);
        assertArrayEquals(floats(3, 1, 5, 5), values(backend().gather(X, 1, idx)));
    }

    @Test void gatherAlongFirstDimWithSmallerIndex() {
        // out[i][j] = x[idx[i][j]][j]; index (1, 2) is smaller than x along dim 1.
        Tensor idx = tensor(floats(1, 0), 1, 2);
        assertArrayEquals(floats(4, 2), values(backend().gather(X, 0, idx)));
    }

    @Test void gatherReadsAStridedSource() {
        // x viewed transposed: (3, 2) rows (1,4) (2,5) (3,6).
        Tensor xt = view(floats(1, 2, 3, 4, 5, 6), new Layout(new int[] {3, 2}, new int[] {1, 3}, 0));
        Tensor idx = tensor(floats(1, 0, 0, 0, 1, 1), 3, 2);
        assertArrayEquals(floats(4, 1, 2, 2, 6, 6), values(backend().gather(xt, 1, idx)));
    }

    @Test void scatterAddSumsDuplicates() {
        Tensor idx = tensor(floats(0, 2, 0,
                                   1, 1, 1), 2, 3);
        Tensor src = tensor(floats(1, 2, 3,
                                   4, 5, 6), 2, 3);
        assertArrayEquals(floats(4, 0, 2,
                                 0, 15, 0), values(backend().scatterAdd(new int[] {2, 3}, 1, idx, src)));
        // Along dim 0 into a taller target.
        assertArrayEquals(floats(0, 0, 0, 5, 7, 9, 0, 0, 0),
                values(backend().scatterAdd(new int[] {3, 3}, 0, tensor(floats(1, 1, 1, 1, 1, 1), 2, 3), src)));
    }

    @Test void scatterAddIsTheAdjointOfGather() {
        // <gather(x, idx), y> = <x, scatterAdd(idx, y)> for every x and y: scatterAdd is gather's transpose.
        Random r = new Random(3);
        int[] xShape = {3, 5, 4}, idxShape = {2, 7, 4};
        for (int dim = 0; dim < 3; dim++) {
            int[] is = idxShape.clone();
            if (dim != 1) { // keep index within x's size along every other dim
                is[1] = 5;
                is[dim] = 6;
            }
            int n = is[0] * is[1] * is[2];
            double[] idx = new double[n];
            for (int i = 0; i < n; i++) idx[i] = r.nextInt(xShape[dim]);
            double[] x = randomDoubles(r, 60), y = randomDoubles(r, n);
            double lhs = dot(RefIndex.gather(x, xShape, dim, idx, is), y);
            double rhs = dot(x, RefIndex.scatterAdd(xShape, dim, idx, is, y));
            assertEquals(lhs, rhs, 1e-12 * Math.max(1, Math.abs(lhs)), "dim " + dim);
        }
    }

    @Test void outOfRangeIndexIsNamed() {
        var g = assertThrows(IllegalArgumentException.class, () -> backend().gather(X, 1, tensor(floats(0, 3), 1, 2)));
        assertEquals("gather: index 3 out of range for dim 1 of size 3", g.getMessage());
        var s = assertThrows(IllegalArgumentException.class,
                () -> backend().scatterAdd(new int[] {2, 3}, 0, tensor(floats(-1), 1, 1), tensor(floats(5), 1, 1)));
        assertEquals("scatterAdd: index -1 out of range for dim 0 of size 2", s.getMessage());
    }

    @Test void nonIntegralIndexIsNamed() {
        var g = assertThrows(IllegalArgumentException.class, () -> backend().gather(X, 1, tensor(floats(0.5), 1, 1)));
        assertEquals("gather: index 0.5 is not an integer (dim 1 of size 3)", g.getMessage());
        var s = assertThrows(IllegalArgumentException.class,
                () -> backend().scatterAdd(new int[] {2, 3}, 1, tensor(floats(Double.NaN), 1, 1), tensor(floats(1), 1, 1)));
        assertEquals("scatterAdd: index NaN is not an integer (dim 1 of size 3)", s.getMessage());
    }
}
