package diffusion4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Philox4x32-10 against the Random123 known-answer vectors, and the moments of the derived streams. */
class PhiloxTest {
    private static long seed(int k0, int k1) {
        return ((long) k1 << 32) | (k0 & 0xFFFFFFFFL);
    }

    private static int[] block(long seed, int c0, int c1, int c2, int c3) {
        int[] out = new int[4];
        Philox.block(seed, c0, c1, c2, c3, out);
        return out;
    }

    // Random123 1.09, kat_vectors: "philox4x32 10" lines (counter, key, expected output).
    @Test void knownAnswerZeroCounterZeroKey() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, block(seed(0, 0), 0, 0, 0, 0));
    }

    @Test void knownAnswerAllOnes() {
        int f = 0xffffffff;
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, block(seed(f, f), f, f, f, f));
    }

    @Test void knownAnswerPiDigits() {
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                block(seed(0xa4093822, 0x299f31d0), 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344));
    }

    @Test void blockOfLongCounterSplitsIntoLowAndHighWords() {
        long counter = 0x0123456789abcdefL;
        int[] viaLong = new int[4];
        Philox.block(42L, counter, viaLong);
        assertArrayEquals(block(42L, 0x89abcdef, 0x01234567, 0, 0), viaLong);
    }

    @Test void uniformHasMeanHalfAndStaysInUnitInterval() {
        int n = 100_000;
        float[] u = new float[n];
        Philox.fill(RandomKind.UNIFORM, 7, 0, u, 0, n);
        double sum = 0, sq = 0;
        for (float v : u) {
            assertTrue(v >= 0 && v < 1, "uniform draw " + v + " outside [0, 1)");
            sum += v;
            sq += v * v;
        }
        double mean = sum / n;
        // Standard error of the mean is sqrt(1/12/n) ~ 0.0009; 0.005 is over 5 sigma.
        assertEquals(0.5, mean, 0.005);
        assertEquals(1.0 / 12, sq / n - mean * mean, 0.003);
    }

    @Test void normalHasMeanZeroAndUnitVariance() {
        int n = 100_000;
        float[] z = new float[n];
        Philox.fill(RandomKind.NORMAL, 11, 3, z, 0, n);
        double sum = 0, sq = 0;
        for (float v : z) {
            assertTrue(Float.isFinite(v));
            sum += v;
            sq += (double) v * v;
        }
        double mean = sum / n;
        assertEquals(0, mean, 0.02);          // standard error 0.0032
        assertEquals(1, sq / n - mean * mean, 0.03); // standard error of the variance ~0.0045
    }

    @Test void fillIsPositionIndependent() {
        // Element i depends only on (seed, offset, i): filling in pieces gives the same numbers,
        // which is what lets a parallel backend split the work anywhere.
        for (RandomKind kind : RandomKind.values()) {
            float[] whole = new float[37], pieces = new float[37];
            Philox.fill(kind, 5, 9, whole, 0, 37);
            Philox.fill(kind, 5, 9, pieces, 0, 5);
            Philox.fill(kind, 5, 9, pieces, 5, 22);
            Philox.fill(kind, 5, 9, pieces, 22, 37);
            assertArrayEquals(whole, pieces, kind.name());
        }
    }

    @Test void consecutiveReservationsDoNotOverlap() {
        // Drawing 10 uniforms then continuing at offset + blocksFor equals drawing 12 at once
        // (10 uniforms use blocks 0..2, so the next call starts at block 3 = element 12).
        float[] first = new float[16];
        Philox.fill(RandomKind.UNIFORM, 1, 0, first, 0, 16);
        float[] next = new float[4];
        Philox.fill(RandomKind.UNIFORM, 1, Philox.blocksFor(RandomKind.UNIFORM, 10), next, 0, 4);
        assertArrayEquals(Arrays.copyOfRange(first, 12, 16), next);
        assertEquals(3, Philox.blocksFor(RandomKind.UNIFORM, 10));
        assertEquals(5, Philox.blocksFor(RandomKind.NORMAL, 9));
    }
}
