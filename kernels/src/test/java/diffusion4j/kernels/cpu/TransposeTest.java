package diffusion4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The register-block transpose against the definition, element by element: whole blocks, edges,
 * offsets, source rows packed or with a gap between them, padded destination rows (whole blocks go
 * the scalar way too where vectors are not 16 floats wide).
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
}
