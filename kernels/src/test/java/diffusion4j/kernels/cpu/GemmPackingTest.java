package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmKernel.MR;
import static diffusion4j.kernels.cpu.GemmKernel.NR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The packed panel layouts against their definition, element by element: B panel p holds, for
 * each k, the NR values B(k, p*NR + j), zeros past the last column; A panel holds, for each k, the
 * MR values A(i, k), zeros past the last row. Covers the row-at-a-time path for row-major B
 * (several full panels, starting past panel 0) and the per-panel paths.
 */
class GemmPackingTest {
    @Test
    void bPanelsMatchDefinitionForEveryLayout() {
        Random r = new Random(3);
        int kc = 7, cols = 3 * NR + 5, base = 4;
        for (boolean rowMajor : new boolean[] {true, false}) {
            int rs = rowMajor ? cols + 3 : 1, cs = rowMajor ? 1 : kc + 2;
            float[] src = GemmTesting.random(r, base + kc * (cols + 3) * (kc + 2));
            int panels = GemmPacking.panels(cols, NR), d = 6;
            for (int p0 : new int[] {0, 1}) {
                float[] dst = new float[d + panels * NR * kc];
                java.util.Arrays.fill(dst, Float.NaN); // every packed slot must be written
                GemmPacking.packBPanels(p0, panels, cols, kc, src, base, rs, cs, dst, d);
                for (int p = p0; p < panels; p++) {
                    for (int k = 0; k < kc; k++) {
                        for (int j = 0; j < NR; j++) {
                            int col = p * NR + j;
                            float want = col < cols ? src[base + k * rs + col * cs] : 0f;
                            assertEquals(want, dst[d + p * NR * kc + k * NR + j],
                                    "rowMajor=" + rowMajor + " p0=" + p0 + " panel " + p + " k " + k + " j " + j);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aPanelsMatchDefinition() {
        Random r = new Random(4);
        int rows = 2 * MR + 5, base = 2;
        // kc 9: the column tail only; 32: whole 16-column blocks of the register transpose; 37: both.
        for (int kc : new int[] {9, 32, 37}) {
            for (boolean rowMajor : new boolean[] {true, false}) {
                int rs = rowMajor ? kc + 1 : 1, cs = rowMajor ? 1 : rows + 1;
                float[] src = GemmTesting.random(r, base + (rows + 1) * (kc + 1));
                int panels = GemmPacking.panels(rows, MR), d = 3;
                float[] dst = new float[d + panels * MR * kc + 5];
                java.util.Arrays.fill(dst, Float.NaN);
                GemmPacking.packAPanels(0, panels, rows, kc, src, base, rs, cs, dst, d);
                for (int p = 0; p < panels; p++) {
                    for (int k = 0; k < kc; k++) {
                        for (int i = 0; i < MR; i++) {
                            int row = p * MR + i;
                            float want = row < rows ? src[base + row * rs + k * cs] : 0f;
                            assertEquals(want, dst[d + p * MR * kc + k * MR + i],
                                    "kc=" + kc + " rowMajor=" + rowMajor + " panel " + p + " k " + k + " i " + i);
                        }
                    }
                }
                for (int i = 0; i < d; i++) assertTrue(Float.isNaN(dst[i]), "written before the panels at " + i);
                for (int i = d + panels * MR * kc; i < dst.length; i++) assertTrue(Float.isNaN(dst[i]), "written past the panels at " + i);
            }
        }
    }

    /**
     * Threads pack neighbouring A panels at the same time ({@code Gemm}'s few-rows path), so a
     * panel's packing must write nothing outside its own MR * kc floats: the register transpose
     * stores 16-float rows 12 apart and must mask the last one.
     */
    @Test
    void anAPanelWritesOnlyItsOwnFloats() {
        Random r = new Random(6);
        int kc = 48, rows = 3 * MR, rs = kc + 2;
        float[] src = GemmTesting.random(r, rows * rs);
        float[] dst = new float[3 * MR * kc];
        java.util.Arrays.fill(dst, Float.NaN);
        GemmPacking.packAPanels(1, 2, rows, kc, src, 0, rs, 1, dst, 0);
        for (int i = 0; i < dst.length; i++) {
            boolean own = i >= MR * kc && i < 2 * MR * kc;
            assertEquals(own, !Float.isNaN(dst[i]), "float " + i + (own ? " of panel 1 not written" : " outside panel 1 written"));
        }
    }
}
