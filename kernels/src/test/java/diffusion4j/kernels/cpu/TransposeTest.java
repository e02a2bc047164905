package diffusion4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The register-block transpose against the definition, element by element: whole blocks, edges,
 * offsets, source rows packed or with a gap between them, padded destination rows (whole blocks go
 * the scalar way too where vectors are not 16 floats wide); and the row folds, whose max must be
 * exact and whose sum, a fixed tree, must be the tree's value.
 */
class TransposeTest {
    @Test
    void matchesTheDefinition() {
        Random r = new Random(3);
        int l = Transpose.BLOCK;
        int[][] sizes = {{l, l}, {4 * l, 4 * l}, {2 * l + 5, l + 3}, {l - 1, 3 * l}, {5, 3}, {1, 1}, {3 * l, 2}};
        for (int[] s : sizes) {
            for (int gap : new int[] {0, 5}) {
                int rows = s[0], cols = s[1], srcLd = cols + gap, base = 7, at = 11, ld = rows + 9;
                float[] src = new float[base + rows * srcLd];
                for (int i = 0; i < src.length; i++) src[i] = r.nextFloat();
                float[] want = new float[at + cols * ld], got = new float[at + cols * ld];
                for (int i = 0; i < rows; i++) for (int c = 0; c < cols; c++) want[at + c * ld + i] = src[base + i * srcLd + c];
                Transpose.transpose(src, base, srcLd, rows, cols, got, at, ld);
                assertArrayEquals(want, got, rows + " x " + cols + ", source rows " + srcLd + " apart");
            }
        }
    }

    @Test
    void narrowBlockReadsOnlyItsRowsAndWritesOnlyItsWidth() {
        assumeTrue(GemmKernel.LANES == Transpose.BLOCK, "the narrow block needs 16-float vectors (AVX-512); this CPU has "
                + GemmKernel.LANES);
        Random r = new Random(7);
        int l = Transpose.BLOCK, so = 5, sl = l + 3, d = 4;
        for (int[] c : new int[][] {{12, 12, 12}, {5, 12, 12}, {16, 16, 16}, {5, 16, 19}, {1, 9, 9}}) {
            int rows = c[0], width = c[1], dl = c[2];
            float[] src = new float[so + rows * sl]; // exactly the rows it may read
            for (int i = 0; i < src.length; i++) src[i] = r.nextFloat();
            float[] got = new float[d + 15 * dl + width + 6];
            java.util.Arrays.fill(got, Float.NaN);
            Transpose.block(src, so, sl, rows, got, d, dl, width);
            for (int i = 0; i < got.length; i++) {
                int col = (i - d) / dl, lane = (i - d) % dl;
                if (i >= d && col < l && lane < width) {
                    float want = lane < rows ? src[so + lane * sl + col] : 0f;
                    assertEquals(want, got[i], "rows " + rows + ", width " + width + ": column " + col + ", lane " + lane);
                } else {
                    assertTrue(Float.isNaN(got[i]), "rows " + rows + ", width " + width + ": wrote outside the block at " + i);
                }
            }
        }
    }

    @Test
    void foldRowsGivesEachRowsMaxAndSum() {
        assumeTrue(GemmKernel.LANES == Transpose.BLOCK, "Transpose.foldRows needs 16-float vectors (AVX-512); this CPU has "
                + GemmKernel.LANES);
        Random r = new Random(5);
        int l = Transpose.BLOCK, so = 3, d = 2;
        float[] src = new float[so + l * l];
        for (int i = 0; i < src.length; i++) src[i] = (float) r.nextGaussian() * 10;
        src[so + 4 * l + 9] = Float.NEGATIVE_INFINITY; // an -inf lane leaves the max alone
        for (int t = 0; t < l; t++) src[so + 7 * l + t] = Float.NEGATIVE_INFINITY; // a row that sees nothing
        src[so + 11 * l + 15] = Float.NaN; // a NaN anywhere in a row is its max and its sum
        float[] max = new float[d + l], sum = new float[d + l];
        Transpose.foldRows(src, so, true, max, d);
        Transpose.foldRows(src, so, false, sum, d);
        for (int row = 0; row < l; row++) {
            float wantMax = Float.NEGATIVE_INFINITY;
            double exact = 0;
            for (int t = 0; t < l; t++) {
                wantMax = Math.max(wantMax, src[so + row * l + t]);
                exact += src[so + row * l + t];
            }
            assertEquals(wantMax, max[d + row], "max of row " + row);
            // The tree: lanes t and t + 8, then + 4, + 2, + 1.
            float[] lanes = new float[l];
            System.arraycopy(src, so + row * l, lanes, 0, l);
            for (int s = l / 2; s >= 1; s /= 2) for (int t = 0; t < s; t++) lanes[t] += lanes[t + s];
            assertEquals(lanes[0], sum[d + row], "sum of row " + row);
            if (Double.isFinite(exact)) assertEquals(exact, sum[d + row], 1e-4 * l * 10, "sum of row " + row + " against the exact sum");
        }
        assertEquals(Float.NEGATIVE_INFINITY, max[d + 7]);
        assertEquals(Float.NaN, max[d + 11]);
        assertEquals(Float.NaN, sum[d + 11]);
    }
}
