package diffusion4j.tensor.reference;

import static diffusion4j.tensor.reference.RefTesting.backend;
import static diffusion4j.tensor.reference.RefTesting.floats;
import static diffusion4j.tensor.reference.RefTesting.tensor;
import static diffusion4j.tensor.reference.RefTesting.values;
import static diffusion4j.tensor.reference.RefTesting.view;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Batched matmul against hand products, with transposed and broadcast operands as strides. */
class RefMatmulTest {
    @Test void handProduct() {
        Tensor a = tensor(floats(1, 2, 3,
                                 4, 5, 6), 1, 2, 3);
        Tensor b = tensor(floats(7, 8,
                                 9, 10,
                                 11, 12), 1, 3, 2);
        // [1 2 3]·[7 9 11] = 58, ·[8 10 12] = 64; [4 5 6]·... = 139, 154.
        assertArrayEquals(floats(58, 64, 139, 154), values(backend().matmul(a, b)));
    }

    @Test void transposedOperandArrivesAsStrides() {
        // b^T stored as (2, 3) rows (7 9 11), (8 10 12), viewed as (1, 3, 2) with strides (0, 1, 3).
        Tensor a = tensor(floats(1, 2, 3, 4, 5, 6), 1, 2, 3);
        Tensor bt = view(floats(7, 9, 11, 8, 10, 12), new Layout(new int[] {1, 3, 2}, new int[] {6, 1, 3}, 0));
        assertArrayEquals(floats(58, 64, 139, 154), values(backend().matmul(a, bt)));
    }

    @Test void batchStrideZeroBroadcastsTheRightOperand() {
        Tensor a = tensor(floats(1, 0, 0, 1,
                                 2, 0, 0, 3), 2, 2, 2);
        Tensor b = view(floats(1, 2, 3, 4), new Layout(new int[] {2, 2, 2}, new int[] {0, 2, 1}, 0));
        assertArrayEquals(floats(1, 2, 3, 4,
                                 2, 4, 9, 12), values(backend().matmul(a, b)));
    }

    @Test void accumulatesInDouble() {
        // 1e8*1 + 1*1 + (-1e8)*1 is 0 with float accumulation and exactly 1 in double.
        Tensor a = tensor(floats(1e8, 1, -1e8), 1, 1, 3);
        Tensor b = tensor(floats(1, 1, 1), 1, 3, 1);
        assertArrayEquals(floats(1), values(backend().matmul(a, b)));
    }

    @Test void emptyInnerDimGivesZeros() {
        Tensor a = tensor(new float[0], 1, 2, 0);
        Tensor b = tensor(new float[0], 1, 0, 3);
        assertArrayEquals(new float[6], values(backend().matmul(a, b)));
    }
}
