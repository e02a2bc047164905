package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.GemmKernel.MR;
import static diffusion4j.kernels.cpu.GemmKernel.NR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The GEMM micro-kernel in both of its forms, the 12-row tile for 32-register targets and the
 * three four-row strips for 16-register ones (AVX2), against the definition of their sums: each
 * element of C is its products over k in ascending order, each fused ({@code Math.fma}) into the
 * running sum from 0, then C's old value added when accumulating. Both forms promise that order, so
 * both must match it bit for bit, on whatever machine runs the test; and both must leave C outside
 * the tile as it was.
 */
class GemmKernelTest {
    @Test
    void bothFormsMatchTheDefinition() {
        Random r = new Random(5);
        for (int kc : new int[] {0, 1, 17, 300}) {
            for (boolean acc : new boolean[] {false, true}) {
                int ao = 3, bo = 5, co = 7, ldc = NR + 11;
                float[] a = fill(r, ao + MR * kc + 2), b = fill(r, bo + NR * kc + 2), c = fill(r, co + MR * ldc);
                float[] want = c.clone();
                for (int i = 0; i < MR; i++) {
                    for (int j = 0; j < NR; j++) {
                        float sum = 0f;
                        for (int p = 0; p < kc; p++) sum = Math.fma(a[ao + p * MR + i], b[bo + p * NR + j], sum);
                        want[co + i * ldc + j] = acc ? sum + c[co + i * ldc + j] : sum;
                    }
                }
                String what = "kc " + kc + (acc ? ", accumulating" : "");
                float[] wide = c.clone();
                GemmKernel.tile12(kc, a, ao, b, bo, wide, co, ldc, acc);
                assertArrayEquals(want, wide, "12-row tile, " + what);
                float[] strips = c.clone();
                for (int i = 0; i < MR; i += 4) GemmKernel.rows4(kc, a, ao + i, MR, b, bo, NR, strips, co + i * ldc, ldc, acc);
                assertArrayEquals(want, strips, "four-row strips, " + what);
                float[] dispatched = c.clone();
                GemmKernel.tile(kc, a, ao, b, bo, dispatched, co, ldc, acc);
                assertArrayEquals(want, dispatched, "tile() with " + GemmKernel.REGISTERS + " registers, " + what);
            }
        }
    }

    @Test
    void registerCountFollowsTheArchitectureAndAvxLevel() {
        assertEquals(32, GemmKernel.registers("amd64", null, "3"), "AVX-512");
        assertEquals(16, GemmKernel.registers("amd64", null, "2"), "AVX2");
        assertEquals(16, GemmKernel.registers("x86_64", null, "1"), "AVX");
        assertEquals(16, GemmKernel.registers("amd64", null, null), "x86, flag unknown: the safe count");
        assertEquals(32, GemmKernel.registers("aarch64", null, null), "NEON and SVE have 32");
        assertEquals(16, GemmKernel.registers("amd64", "16", "3"), "override");
        assertEquals(32, GemmKernel.registers("aarch64", " 32 ", null), "override, spaces");
        for (String bad : new String[] {"24", "many", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GemmKernel.registers("amd64", bad, "3"));
            assertTrue(e.getMessage().contains("diffusion4j.cpu.vectorRegisters must be 16 or 32"), e.getMessage());
        }
    }

    private static float[] fill(Random r, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) r.nextGaussian();
        return x;
    }
}
