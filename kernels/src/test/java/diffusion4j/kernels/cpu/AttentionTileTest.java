package diffusion4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The attention tiles against the definition of their sums: each element of C is its products over
 * k in ascending order, each fused ({@code Math.fma}) into the running sum from 0, then C's old value
 * added when accumulating. That is the order the tiles promise, so the bits must match exactly.
 * Column counts cover the wide tile alone, the NR strip alone and both, with offsets and padded
 * row strides; untouched elements (outside the product's rows and columns) must stay as they were.
 * The four-row strips that replace the tiles on 16-register machines ({@link GemmKernel#REGISTERS})
 * are checked the same way on every machine, whichever form {@code nn} and {@code tn} dispatch to.
 */
class AttentionTileTest {
    private static final int NR = GemmKernel.NR, TR = AttentionTile.TR, WIDE = AttentionTile.WIDE;

    @Test
    void nnMatchesTheDefinition() {
        check(false);
    }

    @Test
    void tnMatchesTheDefinition() {
        check(true);
    }

    @Test
    void fourRowStripsMatchTheDefinition() {
        check(false, true);
        check(true, true);
    }

    private static void check(boolean transposedA) {
        check(transposedA, false);
    }

    /** @param strips run the products as four-row strips ({@link AttentionTile#rows4NN}, {@link GemmKernel#rows4}) */
    private static void check(boolean transposedA, boolean strips) {
        Random r = new Random(transposedA ? 11 : 7);
        int[] cols = {WIDE, NR, WIDE + NR, 2 * WIDE, 2 * WIDE + NR};
        int[] rows = {TR, 3 * TR};
        int[] depths = {0, 1, 17, 64};
        for (int n : cols) {
            for (int m : rows) {
                for (int kc : depths) {
                    for (boolean acc : new boolean[] {false, true}) {
                        int ao = 3, bo = 5, co = 2, lda = (transposedA ? m : kc) + 3, ldb = n + 7, ldc = n + 9;
                        float[] a = fill(r, ao + (transposedA ? kc : m) * lda), b = fill(r, bo + kc * ldb), c = fill(r, co + m * ldc + 4);
                        float[] want = c.clone();
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                float sum = 0f;
                                for (int p = 0; p < kc; p++) {
                                    float x = transposedA ? a[ao + p * lda + i] : a[ao + i * lda + p];
                                    sum = Math.fma(x, b[bo + p * ldb + j], sum);
                                }
                                want[co + i * ldc + j] = acc ? sum + c[co + i * ldc + j] : sum;
                            }
                        }
                        float[] got = c.clone();
                        if (strips) {
                            for (int j = 0; j < n; j += NR) {
                                for (int i = 0; i < m; i += 4) {
                                    if (transposedA) GemmKernel.rows4(kc, a, ao + i, lda, b, bo + j, ldb, got, co + i * ldc + j, ldc, acc);
                                    else AttentionTile.rows4NN(kc, a, ao + i * lda, lda, b, bo + j, ldb, got, co + i * ldc + j, ldc, acc);
                                }
                            }
                        } else if (transposedA) {
                            AttentionTile.tn(m, n, kc, a, ao, lda, b, bo, ldb, got, co, ldc, acc);
                        } else {
                            AttentionTile.nn(m, n, kc, a, ao, lda, b, bo, ldb, got, co, ldc, acc);
                        }
                        assertArrayEquals(want, got, (strips ? "strips " : "") + (transposedA ? "tn " : "nn ") + m + " x " + n + " x " + kc
                                + (acc ? ", accumulating" : ""));
                    }
                }
            }
        }
    }

    private static float[] fill(Random r, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) r.nextGaussian();
        return x;
    }
}
