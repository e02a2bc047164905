package diffusion4j.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import diffusion4j.kernels.opencl.ClHeavyTesting.Pair;
import diffusion4j.tensor.Backend;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The device SGEMM against the reference matmul: odd sizes on both tile shapes (the small tile
 * for products that fit in half a tile, the tuned tile otherwise, edges guarded), operands whose
 * unit stride is the row (transposed) or absent (stride 0, permuted batch), and offsets.
 */
@ExtendWith(OpenClAvailable.class)
class ClHeavyMatmulTest {
    /** B, M, K, N: ones, primes, sizes one past a power of two, and one spanning several big tiles. */
    private static final int[][] SIZES = {{1, 1, 1, 1}, {1, 3, 7, 17}, {2, 7, 17, 33}, {3, 33, 100, 9}, {1, 65, 129, 67},
            {2, 100, 33, 130}};

    @Test
    void matchesReferenceOnPlainAndStridedOperands() {
        OpenClBackend cl = ClHeavyTesting.backend();
        Backend ref = ClHeavyTesting.reference();
        long seed = 1;
        for (int[] s : SIZES) {
            int bt = s[0], m = s[1], k = s[2], n = s[3];
            double atol = 1e-4 * Math.sqrt(k);
            String dims = Arrays.toString(s);
            Pair a = ClHeavyTesting.randn(cl, seed++, bt, m, k), b = ClHeavyTesting.randn(cl, seed++, bt, k, n);
            check("plain " + dims, cl, ref, a, b, atol);
            // Transposed: the unit stride runs along M for a and along K for b.
            Pair at = ClHeavyTesting.randn(cl, seed++, bt, k, m).view(t -> t.transpose(1, 2));
            Pair bt2 = ClHeavyTesting.randn(cl, seed++, bt, n, k).view(t -> t.transpose(1, 2));
            check("transposed " + dims, cl, ref, at, bt2, atol);
            // One matrix broadcast over the batch (batch stride 0); b a narrowed window at an offset.
            Pair a1 = ClHeavyTesting.randn(cl, seed++, 1, m, k).view(t -> t.expand(bt, m, k));
            Pair bn = ClHeavyTesting.randn(cl, seed++, bt, k, n + 3).view(t -> t.narrow(2, 2, n));
            check("broadcast a, narrowed b " + dims, cl, ref, a1, bn, atol);
            // The batch is not the outermost dim of the storage.
            Pair ap = ClHeavyTesting.randn(cl, seed++, m, bt, k).view(t -> t.permute(1, 0, 2));
            check("permuted batch " + dims, cl, ref, ap, b, atol);
        }
    }

    private static void check(String what, OpenClBackend cl, Backend ref, Pair a, Pair b, double atol) {
        int[] out = {a.ref().dim(0), a.ref().dim(1), b.ref().dim(2)};
        ClHeavyTesting.close("matmul " + what, cl, ref.matmul(a.ref(), b.ref()), ClMatmul.matmul(cl.runtime(), a.cl(), b.cl()), atol, out);
    }

    @Test
    void mismatchedInnerSizesAreRejectedWithTheShapes() {
        OpenClBackend cl = ClHeavyTesting.backend();
        Pair a = ClHeavyTesting.randn(cl, 1, 2, 3, 4), b = ClHeavyTesting.randn(cl, 2, 2, 5, 6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClMatmul.matmul(cl.runtime(), a.cl(), b.cl()));
        assertEquals("matmul: expected (B, M, K) and (B, K, N), got " + a.cl().layout() + " and " + b.cl().layout(), e.getMessage());
    }
}
