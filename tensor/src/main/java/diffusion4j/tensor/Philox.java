package diffusion4j.tensor;

/**
 * Philox4x32-10, the counter-based generator of Salmon et al., "Parallel random numbers: as easy
 * as 1, 2, 3" (SC'11). A 128-bit counter and a 64-bit key map to four 32-bit words with no state,
 * so every element of a random tensor can be computed independently, in any order, on any backend.
 *
 * <p>The stream: a call with {@code (seed, offset)} gives element {@code i} of a uniform tensor the
 * word {@code i % 4} of block {@code offset + i / 4}; a normal tensor gives element {@code i} the
 * pair of words {@code 2*(i%2), 2*(i%2)+1} of block {@code offset + i / 2} through Box-Muller.
 * The block counter is {@code (lo32, hi32, 0, 0)}; the key is the seed's {@code (lo32, hi32)}.
 */
public final class Philox {
    private Philox() {}

    private static final int M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /** The four words of block {@code counter} under key {@code seed}, into {@code out[0..3]}. */
    public static void block(long seed, long counter, int[] out) {
        block(seed, (int) counter, (int) (counter >>> 32), 0, 0, out);
    }

    /** The raw 4x32-10 function on a full 128-bit counter. */
    public static void block(long seed, int c0, int c1, int c2, int c3, int[] out) {
        int k0 = (int) seed, k1 = (int) (seed >>> 32);
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32), lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32), lo1 = (int) p1;
            int n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
            c0 = n0;
            c1 = lo1;
            c2 = n2;
            c3 = lo0;
            k0 += W0;
            k1 += W1;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /** A word to a float in [0, 1) with 24 random bits. */
    public static float uniform(int word) {
        return (word >>> 8) * 0x1.0p-24f;
    }

    /** Box-Muller on two words: sqrt(-2 ln u1) cos(2 pi u2), u1 in (0, 1]. */
    public static float normal(int w1, int w2) {
        double u1 = ((w1 >>> 8) + 1) * 0x1.0p-24;
        double u2 = (w2 >>> 8) * 0x1.0p-24;
        return (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }

    /** Blocks a call of {@code numel} elements consumes, so the next call starts after them. */
    public static long blocksFor(RandomKind kind, long numel) {
        return kind == RandomKind.UNIFORM ? (numel + 3) / 4 : (numel + 1) / 2;
    }

    /** Fills {@code out[0..numel)} with the stream; the definition every backend reproduces. */
    public static void fill(RandomKind kind, long seed, long offset, float[] out, int from, int to) {
        int[] w = new int[4];
        long lastBlock = -1;
        for (int i = from; i < to; i++) {
            long b = kind == RandomKind.UNIFORM ? offset + i / 4 : offset + i / 2;
            if (b != lastBlock) {
                block(seed, b, w);
                lastBlock = b;
            }
            out[i] = kind == RandomKind.UNIFORM ? uniform(w[i % 4]) : normal(w[2 * (i % 2)], w[2 * (i % 2) + 1]);
        }
    }
}
