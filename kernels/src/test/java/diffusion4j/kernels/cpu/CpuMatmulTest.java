package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmTesting.assertClose;
import static diffusion4j.kernels.cpu.GemmTesting.random;
import static diffusion4j.kernels.cpu.GemmTesting.values;
import static diffusion4j.kernels.cpu.GemmTesting.view;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** SGEMM and batched matmul against naive double loops and the reference backend. */
class CpuMatmulTest {
    private static final double TOL = 1e-5;
    private static final int[] ODD = {1, 3, 7, 17, 33, 100, 129};

    /** C = A*B in double, A element (i,k) at aOff + i*ars + k*acs, B (k,j) at bOff + k*brs + j*bcs. */
    private static double[] naive(int m, int n, int k, float[] a, int aOff, int ars, int acs, float[] b, int bOff, int brs, int bcs) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double) a[aOff + i * ars + p * acs] * b[bOff + p * brs + j * bcs];
                c[i * n + j] = s;
            }
        }
        return c;
    }

    /** Every (transA, transB) layout, with non-zero offsets, through Gemm.sgemm directly. */
    private static void checkSgemm(Random r, int m, int n, int k) {
        for (int layout = 0; layout < 4; layout++) {
            boolean ta = (layout & 1) != 0, tb = (layout & 2) != 0;
            int aOff = 3, bOff = 5;
            float[] a = random(r, aOff + m * k), b = random(r, bOff + k * n);
            int ars = ta ? 1 : k, acs = ta ? m : 1, brs = tb ? 1 : n, bcs = tb ? k : 1;
            float[] c = new float[2 + m * (n + 1)];
            Gemm.sgemm(false, m, n, k, a, aOff, ars, acs, b, bOff, brs, bcs, c, 2, n + 1);
            double[] want = naive(m, n, k, a, aOff, ars, acs, b, bOff, brs, bcs);
            float[] got = new float[m * n];
            for (int i = 0; i < m; i++) System.arraycopy(c, 2 + i * (n + 1), got, i * n, n);
            assertClose(want, got, TOL, k, "sgemm " + m + "x" + n + "x" + k + " ta=" + ta + " tb=" + tb);
            for (int i = 0; i < m; i++) assertTrue(c[2 + i * (n + 1) + n] == 0f || i == m - 1, "wrote past the row end");
        }
    }

    @Test
    void oddSizesEveryTransposition() {
        Random r = new Random(7);
        for (int m : ODD) for (int n : ODD) for (int k : new int[] {1, 7, 33, 129}) checkSgemm(r, m, n, k);
        for (int k : ODD) checkSgemm(r, 17, 33, k);
    }

    @Test
    void sizesCrossingEveryCacheBlock() {
        Random r = new Random(8);
        checkSgemm(r, 3 * Gemm.MC + 7, 40, Gemm.KC + 13); // several row blocks and KC blocks, parallel path
        checkSgemm(r, 5, Gemm.NC + 3, 9); // two NC blocks, serial path
        checkSgemm(r, Gemm.MC + 1, 35, 2 * Gemm.KC + 1); // parallel path: just over one row block, three KC blocks
    }

    /**
     * The parallel path (shared B slab, dynamic tasks, several column slabs when K * N is large,
     * column chunks when M is small and B needs several slabs, both operands packed once when M is
     * small and B fits one slab, column halves at the end and larger row blocks when M is large)
     * must give bitwise the same C as the serial path, reached here
     * by slices small enough to stay serial: the summation order per element may not depend on
     * threads or scheduling.
     */
    @Test
    void parallelPathBitwiseEqualsSerialSlices() {
        int k = 4 * Gemm.KC + 5;
        // two column slabs, the last partial; two row blocks, the last partial
        assertParallelEqualsSerial(new Random(11), Gemm.MC + 5, Gemm.SHARED_B / (GemmKernel.NR * k) * GemmKernel.NR + 9, k);
        assertParallelEqualsSerial(new Random(12), 7, 3001, 300); // one row block: both operands packed once (fewRows)
        // few rows, three KC blocks, partial last panels of A and B (a weight gradient's shape)
        assertParallelEqualsSerial(new Random(14), 4 * GemmKernel.MR + 5, 5 * GemmKernel.NR + 3, 2 * Gemm.KC + 7);
        // many row blocks: the last ones run as column halves; two KC blocks; a partial last panel
        assertParallelEqualsSerial(new Random(13), 8 * Gemm.MC + 5, 3 * GemmKernel.NR + 7, Gemm.KC + 3);
        // rows enough for the larger row blocks (MC_LARGE)
        assertParallelEqualsSerial(new Random(15), 4 * Parallel.threads() * Gemm.MC_LARGE + 7, 40, 70);
    }

    private static void assertParallelEqualsSerial(Random r, int m, int n, int k) {
        int cols = (int) Math.max(1, (Gemm.PARALLEL_WORK - 1) / ((long) Gemm.MC * k)); // slice work < PARALLEL_WORK
        float[] a = random(r, m * k), b = random(r, k * n), c0 = random(r, m * n);
        for (boolean acc : new boolean[] {false, true}) {
            float[] whole = c0.clone(), sliced = c0.clone();
            Gemm.sgemm(acc, m, n, k, a, 0, k, 1, b, 0, n, 1, whole, 0, n);
            for (int i0 = 0; i0 < m; i0 += Gemm.MC) {
                for (int j0 = 0; j0 < n; j0 += cols) {
                    Gemm.sgemm(acc, Math.min(Gemm.MC, m - i0), Math.min(cols, n - j0), k, a, i0 * k, k, 1,
                            b, j0, n, 1, sliced, i0 * n + j0, n);
                }
            }
            for (int i = 0; i < whole.length; i++) {
                if (Float.floatToRawIntBits(whole[i]) != Float.floatToRawIntBits(sliced[i])) {
                    fail(m + "x" + n + "x" + k + " acc=" + acc + " element " + i + ": parallel " + whole[i] + " vs serial " + sliced[i]);
                }
            }
            int last = Math.min(2, m); // the last rows against double, so a shared error cannot pass
            double[] want = naive(last, n, k, a, (m - last) * k, k, 1, b, 0, n, 1);
            if (acc) for (int i = 0; i < want.length; i++) want[i] += c0[(m - last) * n + i];
            assertClose(want, Arrays.copyOfRange(whole, (m - last) * n, m * n), TOL, k, "parallel path, acc=" + acc);
        }
    }

    /**
     * The allocating sgemm (output supplied during B packing) writes bitwise what sgemm writes into
     * a zeroed array, on the parallel path (two column slabs) and the serial one, and calls the
     * supplier exactly once, also when there is nothing to compute.
     */
    @Test
    void allocatingSgemmEqualsSgemmIntoZeroedArray() {
        Random r = new Random(14);
        int[][] shapes = {{Gemm.MC + 5, Gemm.SHARED_B / (GemmKernel.NR * 300) * GemmKernel.NR + 9, 300}, {5, 7, 3}, {0, 4, 4}, {3, 4, 0}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2], ldc = n + 2, off = 3, size = off + m * ldc;
            float[] a = random(r, m * k), b = random(r, k * n), want = new float[size];
            Gemm.sgemm(false, m, n, k, a, 0, k, 1, b, 0, n, 1, want, off, ldc);
            int[] calls = {0};
            float[] got = Gemm.sgemm(() -> {
                calls[0]++;
                return new float[size];
            }, m, n, k, a, 0, k, 1, b, 0, n, 1, off, ldc);
            assertTrue(calls[0] == 1, "supplier called " + calls[0] + " times for " + Arrays.toString(s));
            assertTrue(Arrays.equals(want, got), "allocating sgemm differs for " + Arrays.toString(s));
            // Both forms share the product code, so also check the allocating one against double precision.
            float[] dense = new float[m * n];
            for (int i = 0; i < m; i++) System.arraycopy(got, off + i * ldc, dense, i * n, n);
            assertClose(naive(m, n, k, a, 0, k, 1, b, 0, n, 1), dense, TOL, k, "allocating sgemm " + Arrays.toString(s));
        }
    }

    @Test
    void accumulateAddsToC() {
        Random r = new Random(9);
        int m = 13, n = 37, k = 300;
        float[] a = random(r, m * k), b = random(r, k * n), c = random(r, m * n), c0 = c.clone();
        Gemm.sgemm(true, m, n, k, a, 0, k, 1, b, 0, n, 1, c, 0, n);
        double[] want = naive(m, n, k, a, 0, k, 1, b, 0, n, 1);
        for (int i = 0; i < want.length; i++) want[i] += c0[i];
        assertClose(want, c, TOL, k, "accumulate");
    }

    @Test
    void zeroDepthGivesZerosOrKeepsC() {
        float[] c = {1, 2, 3, 4};
        Gemm.sgemm(true, 2, 2, 0, new float[0], 0, 0, 1, new float[0], 0, 2, 1, c, 0, 2);
        assertClose(new double[] {1, 2, 3, 4}, c, 0, 1, "accumulate with K=0");
        Gemm.sgemm(false, 2, 2, 0, new float[0], 0, 0, 1, new float[0], 0, 2, 1, c, 0, 2);
        assertClose(new double[] {0, 0, 0, 0}, c, 0, 1, "overwrite with K=0");
    }

    /** matmul of views: a transposed and offset, b broadcast over the batch (stride 0). */
    @Test
    void batchedStridedAndBroadcastMatchReferenceAndNaive() {
        Random r = new Random(10);
        for (int[] s : new int[][] {{3, 17, 33, 7}, {5, 1, 100, 3}, {2, 129, 17, 100}, {9, 33, 7, 129}}) {
            int batch = s[0], m = s[1], k = s[2], n = s[3];
            float[] ad = random(r, 4 + batch * m * k), bd = random(r, k * n);
            // a stored as (B, K, M) from offset 4, viewed as (B, M, K).
            Tensor a = view(ad, new Layout(new int[] {batch, m, k}, new int[] {m * k, 1, m}, 4));
            Tensor b = view(bd, new Layout(new int[] {batch, k, n}, new int[] {0, n, 1}, 0));
            float[] got = values(CpuMatmul.matmul(a, b));
            float[] ref = values(GemmTesting.reference().matmul(a, b));
            assertClose(ref, got, TOL, k, "matmul vs reference " + Arrays.toString(s));
            for (int i = 0; i < batch; i++) {
                double[] want = naive(m, n, k, ad, 4 + i * m * k, 1, m, bd, 0, n, 1);
                float[] part = Arrays.copyOfRange(got, i * m * n, (i + 1) * m * n);
                assertClose(want, part, TOL, k, "matmul vs naive, batch " + i);
            }
        }
    }

    @Test
    void rejectsMismatchedInnerDims() {
        Tensor a = GemmTesting.tensor(new float[6], 1, 2, 3), b = GemmTesting.tensor(new float[8], 1, 4, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuMatmul.matmul(a, b));
        assertTrue(e.getMessage().startsWith("matmul: expected (B, M, K) and (B, K, N)"), e.getMessage());
    }
}
