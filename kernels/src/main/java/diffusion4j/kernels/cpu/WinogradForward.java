package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.CpuWinograd.XI;
import static diffusion4j.kernels.cpu.GemmKernel.LANES;
import static diffusion4j.kernels.cpu.GemmKernel.MR;
import static diffusion4j.kernels.cpu.GemmKernel.NR;
import static diffusion4j.kernels.cpu.GemmKernel.SPECIES;

import diffusion4j.tensor.TensorScope;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The forward pass of {@link CpuWinograd} (F(2x2, 3x3), Lavin and Gray 2016, eq. 8), fused per
 * panel of NR tiles so nothing but the input and output goes through memory:
 * <pre>
 * V_xi (C x NR) = (B^T d B)_xi        the panel's tiles, transformed into L1/L2
 * M_xi (O x NR) = U_xi (O x C) V_xi   16 products on the GEMM micro-kernel, A = U packed once per call
 * y tile        = A^T M A             written straight into the NCHW output
 * </pre>
 * The products go xi by xi: V_xi (C x NR, 32 KiB at 256 channels) stays in L1 while the row panels
 * of U_xi stream past it once, and M (all O rows, 16 O NR floats) waits in L2 for the output
 * transform. The first form went row panel by row panel through all 16 xi, which reads all of V
 * once per row panel: fine while U (16 O C floats) fits in L2 beside V, but at 256 x 256 channels
 * the 4 MiB of U pushed V out to L3, and two threads ran slower than one (12.9 ms against 11.2 ms
 * of CPU time at 32x256x8x8). Xi-outer: 9.8 ms of CPU time on one thread, 5.8-8.6 ms on two
 * (three rounds on a noisy machine); level with the first form at 64 and 128 channels.
 * Tiles are numbered over the whole batch (image, tile row, tile column), so small images simply
 * give more tiles per panel, and panels are taken dynamically by the threads. Every output element
 * comes from one panel, summed in an order fixed by the shapes, so results do not depend on threads.
 *
 * <p>The tiles of a vector are LANES consecutive tiles; tile tx of a tile row reads input columns
 * {@code 2tx - pw + j}, a stride-2 pattern. So the input is first de-interleaved once per call
 * ({@link #split}): each input row becomes its even-offset and odd-offset columns, zero-padded, and
 * tap (i, j) of a run of tiles in one tile row is then one contiguous run of the split rows. A
 * vector of tiles is one run per tile row it covers (two at 16x16, one from 32x32 up): a plain
 * load around each run, blended in lane by lane. The output goes back the same way: the two column
 * parities are interleaved in registers and each run is stored, masked only where it is shorter
 * than a vector. Measured on one thread at 32x128x16x16 along the way: 16 gathers per vector made
 * the transforms slower than the 16 products (6.2 against 4.7 ms), and masked loads and stores
 * instead of the blends made them 26 ms (C2's masked stores here ran about 10x slower than plain
 * ones); now the input transform takes about 0.5 ms and the split 1.5 ms.
 *
 * <p>Scratch ({@link ConvScratch}): the split input in the calling thread's NHWC slot, each
 * thread's V in its PANELS slot and its M in its DY_BLOCK slot.
 */
final class WinogradForward {
    private WinogradForward() {}

    private static final int HALVES = NR / LANES;
    private static final long ALL = (1L << LANES) - 1;
    /** Index vectors that interleave two vectors lane by lane: (e0, o0, e1, o1, ...), low and high halves. */
    private static final FloatVector ZIP_LO, ZIP_HI, EVEN, ODD;

    static {
        float[] lo = new float[LANES], hi = new float[LANES], ev = new float[LANES], od = new float[LANES];
        for (int l = 0; l < LANES; l++) {
            lo[l] = (l & 1) * LANES + l / 2;
            hi[l] = (l & 1) * LANES + LANES / 2 + l / 2;
            ev[l] = 2 * l;
            od[l] = 2 * l + 1;
        }
        ZIP_LO = FloatVector.fromArray(SPECIES, lo, 0);
        ZIP_HI = FloatVector.fromArray(SPECIES, hi, 0);
        EVEN = FloatVector.fromArray(SPECIES, ev, 0);
        ODD = FloatVector.fromArray(SPECIES, od, 0);
    }

    /** Layout of the split input: per (image, channel) {@code rows} rows of two halves of {@code half} values. */
    record Split(int half, int rows) {
        /** Floats of slack before the first plane and after the last: whole-vector loads around a run stay inside the array. */
        static final int LEAD = LANES;

        static Split of(CpuWinograd.Geo g) {
            return new Split(g.tw() + 1, 2 * g.th() + 2);
        }

        int rowStride() { return 2 * half; }
        /** Floats per plane: its rows, then LANES of slack that {@link #split}'s whole-vector stores may spill into. */
        int plane() { return rows * rowStride() + LANES; }
    }

    /**
     * @param u U_xi (O x C) at {@code xi * CpuWinograd.stride(O*C)} ({@link CpuWinograd#weightTransform})
     * @param x (N, C, H, W) at {@code xo}; not modified
     * @param y (N, O, OH, OW); overwritten, or added to when {@code accumulate}
     */
    static void forward(CpuWinograd.Geo g, float[] u, float[] x, int xo, float[] y, boolean accumulate) {
        ConvRows rows = new ConvRows(g.o());
        // Distances between the 16 matrices of packed U and of V: padded so the 16 streams do not share L1 sets.
        int block = CpuWinograd.stride(rows.padded() * g.c()), us = CpuWinograd.stride(g.o() * g.c()), vs = CpuWinograd.stride(g.c() * NR);
        float[] ap = TensorScope.array(XI * block);
        Parallel.range(XI, (x0, x1) -> {
            for (int xi = x0; xi < x1; xi++) rows.pack(g.c(), u, xi * us, g.c(), 1, ap, xi * block);
        });
        Split sp = Split.of(g);
        float[] s = split(g, sp, x, xo);
        int tiles = g.n() * g.tilesPerImage(), panels = GemmPacking.panels(tiles, NR), plane = g.oh() * g.ow();
        int xs = CpuWinograd.stride(rows.padded() * NR); // distance between the M_xi, each all O rows x NR tiles
        AtomicInteger next = new AtomicInteger();
        Parallel.range(Parallel.threads(), (t0, t1) -> {
            float[] v = ConvScratch.get(ConvScratch.PANELS, XI * vs), m = ConvScratch.get(ConvScratch.DY_BLOCK, XI * xs);
            Runs runs = new Runs();
            for (int panel; (panel = next.getAndIncrement()) < panels; ) {
                runs.plan(g, sp, panel * NR, tiles);
                transform(sp, s, runs, 0, g.c(), v, vs, NR, 0);
                // M_xi (O x NR) = U_xi (O x C) V_xi (C x NR), xi outermost: V_xi stays in L1 while U_xi streams by once.
                for (int xi = 0; xi < XI; xi++) {
                    for (int ip = 0; ip < rows.count(); ip++) product(g, rows, ip, ap, xi * block, v, xi * vs, m, xi * xs + rows.start(ip) * NR);
                }
                for (int r = 0; r < g.o(); r++) untransform(m, r * NR, xs, runs, r * plane, g.ow(), y, accumulate);
            }
        });
    }

    /**
     * Rows of row panel {@code ip} of one M_xi: packed U_xi (from {@code uo}) times V_xi (C x NR at
     * {@code vo}), written to {@code m} from {@code mo} with row stride NR.
     */
    private static void product(CpuWinograd.Geo g, ConvRows rows, int ip, float[] ap, int uo, float[] v, int vo, float[] m, int mo) {
        int ao = uo + rows.start(ip) * g.c();
        if (rows.height(ip) == MR) GemmKernel.tile(g.c(), ap, ao, v, vo, m, mo, NR, false);
        else AttentionTile.tileTN(g.c(), ap, ao, ConvRows.MR8, v, vo, NR, m, mo, NR, false);
    }

    /**
     * The input de-interleaved: for each (image, channel) plane, rows {@code -ph .. 2*th+1-ph}, each
     * as the {@code half} values at columns {@code 2k - pw} then the {@code half} at {@code 2k - pw + 1}
     * (k = 0 .. tw), zero outside the plane. Tap (i, j) of tile (ty, tx) is then split row
     * {@code 2ty + i}, half {@code j % 2}, entry {@code tx + j / 2}. LANES entries at a time: two
     * loads of the 2*LANES columns (zero outside the row), split by a permute.
     */
    static float[] split(CpuWinograd.Geo g, Split sp, float[] x, int xo) {
        int half = sp.half(), rs = sp.rowStride(), plane = sp.plane(), w = g.w(), pw = g.pw(), blocks = GemmPacking.panels(half, LANES);
        float[] s = ConvScratch.get(ConvScratch.NHWC, g.n() * g.c() * plane + 2 * Split.LEAD);
        // Per block of LANES entries from k0 = b*LANES: the columns 2*k0 - pw + l (l < 2*LANES) inside the row, and the entries that exist.
        long[] loadLo = new long[blocks], loadHi = new long[blocks];
        for (int b = 0; b < blocks; b++) {
            for (int l = 0; l < 2 * LANES; l++) {
                int col = 2 * b * LANES - pw + l;
                if (col >= 0 && col < w) {
                    if (l < LANES) loadLo[b] |= 1L << l;
                    else loadHi[b] |= 1L << (l - LANES);
                }
            }
        }
        Parallel.range(g.n() * g.c(), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int src = xo + p * g.h() * w, dst = Split.LEAD + p * plane;
                for (int r = 0; r < sp.rows(); r++) {
                    int ir = r - g.ph(), d = dst + r * rs;
                    if (ir < 0 || ir >= g.h()) {
                        Arrays.fill(s, d, d + rs, 0f);
                        continue;
                    }
                    // Even columns of every block, then odd ones: a last block's whole-vector store
                    // spills past its half into the part written next (or the row after, or the plane's slack).
                    for (int odd = 0; odd < 2; odd++) {
                        FloatVector pick = odd == 0 ? EVEN : ODD;
                        for (int b = 0; b < blocks; b++) {
                            int at = src + ir * w + 2 * b * LANES - pw;
                            pick.selectFrom(columns(x, at, loadLo[b]), columns(x, at + LANES, loadHi[b])).intoArray(s, d + odd * half + b * LANES);
                        }
                    }
                }
            }
        });
        return s;
    }

    /** LANES floats of x from {@code at}, zero outside {@code inside}: a plain load where it stays in the array. */
    private static FloatVector columns(float[] x, int at, long inside) {
        if (at >= 0 && at <= x.length - LANES) return FloatVector.fromArray(SPECIES, x, at).blend(0f, VectorMask.fromLong(SPECIES, ~inside & ALL));
        return FloatVector.fromArray(SPECIES, x, at, VectorMask.fromLong(SPECIES, inside));
    }

    /**
     * The runs of a panel: for each vector of LANES tiles, the pieces of it that lie in one tile row,
     * with where that tile row's taps start in the split input and its outputs in y.
     */
    static final class Runs {
        /** Runs per vector, and per run (vector h, run r at h*LANES + r): */
        final int[] count = new int[HALVES];
        /** split-input offset of tap (0, 0) of the run's first tile, minus its first lane (channel 0) */
        final int[] in = new int[HALVES * LANES];
        /** lanes of the run */
        final long[] lanes = new long[HALVES * LANES];
        /** y offset of output (0, 0) of the run's first tile, minus twice its first lane (channel 0) */
        final int[] out = new int[HALVES * LANES];
        /** output lanes (interleaved column pairs) of the run in the low and high interleaved vectors */
        final long[] outLo = new long[HALVES * LANES], outHi = new long[HALVES * LANES];
        /** whether the tile row's second output row exists */
        final boolean[] second = new boolean[HALVES * LANES];

        void plan(CpuWinograd.Geo g, Split sp, int first, int tiles) {
            int ti = g.tilesPerImage(), tw = g.tw(), ow = g.ow();
            int inImage = g.c() * sp.plane(), outImage = g.o() * g.oh() * ow;
            for (int h = 0; h < HALVES; h++) {
                int n = 0;
                for (int l = 0; l < LANES; ) {
                    int t = first + h * LANES + l;
                    if (t >= tiles) break;
                    int img = t / ti, ty = t % ti / tw, tx = t % ti % tw, len = Math.min(LANES - l, tw - tx), at = h * LANES + n++;
                    len = Math.min(len, tiles - t);
                    in[at] = img * inImage + 2 * ty * sp.rowStride() + tx - l;
                    lanes[at] = ((1L << len) - 1) << l;
                    out[at] = img * outImage + 2 * ty * ow + 2 * tx - 2 * l;
                    // Interleaved lane q (0 .. 2*LANES) is output column 2tx + q - 2l: inside the run and the row.
                    long pairs = 0;
                    for (int q = 2 * l; q < 2 * (l + len); q++) {
                        if (2 * tx + q - 2 * l < ow) pairs |= 1L << q;
                    }
                    outLo[at] = pairs & ((1L << LANES) - 1);
                    outHi[at] = pairs >>> LANES;
                    second[at] = 2 * ty + 1 < g.oh();
                    l += len;
                }
                count[h] = n;
            }
        }
    }

    /**
     * V_xi = B^T d B for channels {@code [c0, c1)} of the panel's tiles, B^T = [[1, 0, -1, 0],
     * [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], one vector of LANES tiles at a time
     * ({@link #vector}): {@code v[xi*vs + c*ld + col + tile]}; lanes past the last tile of the batch are zero.
     */
    static void transform(Split sp, float[] s, Runs runs, int c0, int c1, float[] v, int vs, int ld, int col) {
        for (int c = c0; c < c1; c++) {
            for (int h = 0; h < HALVES; h++) {
                vector(s, Split.LEAD + c * sp.plane(), runs, h, sp.rowStride(), sp.half(), v, c * ld + col + h * LANES, vs);
            }
        }
    }

    /**
     * Tap (i, j) of a run is at {@code run start + i*rs + (j % 2)*half + j / 2}. Each tap is loaded
     * whole around every run (the split input has {@link Split#LEAD} floats of slack at both ends
     * for that) and blended in lane by lane; lanes of no run (past the last tile) stay zero.
     * B^T combines the rows (column j: d0j - d2j, d1j + d2j, d2j - d1j, d1j - d3j), then B the
     * columns the same way. Loads and stores are plain: masked ones ran about 10x slower here
     * (24 of 26 ms of this transform at 32x128x16x16 were its masked stores). Written out so C2
     * keeps the 16 vectors in registers.
     */
    private static void vector(float[] s, int base, Runs runs, int h, int rs, int half, float[] v, int o, int vs) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector d00 = z, d01 = z, d02 = z, d03 = z, d10 = z, d11 = z, d12 = z, d13 = z;
        FloatVector d20 = z, d21 = z, d22 = z, d23 = z, d30 = z, d31 = z, d32 = z, d33 = z;
        for (int k = h * LANES, end = k + runs.count[h]; k < end; k++) {
            VectorMask<Float> m = VectorMask.fromLong(SPECIES, runs.lanes[k]);
            int b0 = base + runs.in[k], b1 = b0 + rs, b2 = b1 + rs, b3 = b2 + rs;
            d00 = d00.blend(FloatVector.fromArray(SPECIES, s, b0), m);
            d01 = d01.blend(FloatVector.fromArray(SPECIES, s, b0 + half), m);
            d02 = d02.blend(FloatVector.fromArray(SPECIES, s, b0 + 1), m);
            d03 = d03.blend(FloatVector.fromArray(SPECIES, s, b0 + half + 1), m);
            d10 = d10.blend(FloatVector.fromArray(SPECIES, s, b1), m);
            d11 = d11.blend(FloatVector.fromArray(SPECIES, s, b1 + half), m);
            d12 = d12.blend(FloatVector.fromArray(SPECIES, s, b1 + 1), m);
            d13 = d13.blend(FloatVector.fromArray(SPECIES, s, b1 + half + 1), m);
            d20 = d20.blend(FloatVector.fromArray(SPECIES, s, b2), m);
            d21 = d21.blend(FloatVector.fromArray(SPECIES, s, b2 + half), m);
            d22 = d22.blend(FloatVector.fromArray(SPECIES, s, b2 + 1), m);
            d23 = d23.blend(FloatVector.fromArray(SPECIES, s, b2 + half + 1), m);
            d30 = d30.blend(FloatVector.fromArray(SPECIES, s, b3), m);
            d31 = d31.blend(FloatVector.fromArray(SPECIES, s, b3 + half), m);
            d32 = d32.blend(FloatVector.fromArray(SPECIES, s, b3 + 1), m);
            d33 = d33.blend(FloatVector.fromArray(SPECIES, s, b3 + half + 1), m);
        }
        FloatVector r00 = d00.sub(d20), r10 = d10.add(d20), r20 = d20.sub(d10), r30 = d10.sub(d30);
        FloatVector r01 = d01.sub(d21), r11 = d11.add(d21), r21 = d21.sub(d11), r31 = d11.sub(d31);
        FloatVector r02 = d02.sub(d22), r12 = d12.add(d22), r22 = d22.sub(d12), r32 = d12.sub(d32);
        FloatVector r03 = d03.sub(d23), r13 = d13.add(d23), r23 = d23.sub(d13), r33 = d13.sub(d33);
        r00.sub(r02).intoArray(v, o);
        r01.add(r02).intoArray(v, o + vs);
        r02.sub(r01).intoArray(v, o + 2 * vs);
        r01.sub(r03).intoArray(v, o + 3 * vs);
        r10.sub(r12).intoArray(v, o + 4 * vs);
        r11.add(r12).intoArray(v, o + 5 * vs);
        r12.sub(r11).intoArray(v, o + 6 * vs);
        r11.sub(r13).intoArray(v, o + 7 * vs);
        r20.sub(r22).intoArray(v, o + 8 * vs);
        r21.add(r22).intoArray(v, o + 9 * vs);
        r22.sub(r21).intoArray(v, o + 10 * vs);
        r21.sub(r23).intoArray(v, o + 11 * vs);
        r30.sub(r32).intoArray(v, o + 12 * vs);
        r31.add(r32).intoArray(v, o + 13 * vs);
        r32.sub(r31).intoArray(v, o + 14 * vs);
        r31.sub(r33).intoArray(v, o + 15 * vs);
    }

    /**
     * One output channel of the panel from the M row at {@code row} ({@code m[xi*xs + row + tile]}):
     * y = A^T M A, A^T = [[1, 1, 1, 0], [0, 1, -1, -1]] (rows: s_j = m0j + m1j + m2j,
     * u_j = m1j - m2j - m3j; then the columns the same way). Each output row's two column parities
     * are interleaved in registers and stored run by run (or added to y).
     *
     * @param at the channel's offset in y
     */
    private static void untransform(float[] m, int row, int xs, Runs runs, int at, int ow, float[] y, boolean accumulate) {
        for (int h = 0, o = row; h < HALVES; h++, o += LANES) {
            if (runs.count[h] == 0) continue;
            outputRow(m, o, xs, false, runs, h, at, y, accumulate);
            outputRow(m, o, xs, true, runs, h, at + ow, y, accumulate);
        }
    }

    /**
     * Output row 0 (from s_j) or 1 (from u_j) of LANES tiles at {@code m[o ..]}. A method of its own,
     * called twice: both rows written out in one method made C2 stop inlining at its node budget
     * (NodeCountInliningCutoff), and the calls to {@link #put} it left boxed their vector arguments.
     */
    private static void outputRow(float[] m, int o, int xs, boolean second, Runs runs, int h, int at, float[] y, boolean accumulate) {
        int b = second ? o + 4 * xs : o;
        FloatVector a0 = FloatVector.fromArray(SPECIES, m, b), a1 = FloatVector.fromArray(SPECIES, m, b + xs);
        FloatVector a2 = FloatVector.fromArray(SPECIES, m, b + 2 * xs), a3 = FloatVector.fromArray(SPECIES, m, b + 3 * xs);
        FloatVector b0 = FloatVector.fromArray(SPECIES, m, b + 4 * xs), b1 = FloatVector.fromArray(SPECIES, m, b + 5 * xs);
        FloatVector b2 = FloatVector.fromArray(SPECIES, m, b + 6 * xs), b3 = FloatVector.fromArray(SPECIES, m, b + 7 * xs);
        FloatVector c0 = FloatVector.fromArray(SPECIES, m, b + 8 * xs), c1 = FloatVector.fromArray(SPECIES, m, b + 9 * xs);
        FloatVector c2 = FloatVector.fromArray(SPECIES, m, b + 10 * xs), c3 = FloatVector.fromArray(SPECIES, m, b + 11 * xs);
        FloatVector t0, t1, t2, t3;
        if (second) { // u_j = m1j - m2j - m3j
            t0 = a0.sub(b0).sub(c0);
            t1 = a1.sub(b1).sub(c1);
            t2 = a2.sub(b2).sub(c2);
            t3 = a3.sub(b3).sub(c3);
        } else { // s_j = m0j + m1j + m2j
            t0 = a0.add(b0).add(c0);
            t1 = a1.add(b1).add(c1);
            t2 = a2.add(b2).add(c2);
            t3 = a3.add(b3).add(c3);
        }
        FloatVector e = t0.add(t1).add(t2), d = t1.sub(t2).sub(t3);
        FloatVector lo = ZIP_LO.selectFrom(e, d), hi = ZIP_HI.selectFrom(e, d);
        for (int k = h * LANES, end = k + runs.count[h]; k < end; k++) {
            if (second && !runs.second[k]) continue;
            int row = at + runs.out[k];
            put(y, row, lo, runs.outLo[k], accumulate);
            put(y, row + LANES, hi, runs.outHi[k], accumulate);
        }
    }

    /**
     * The given lanes of {@code val} into y at {@code at} (or added). A full vector goes out as a plain
     * store: masked stores measured about 10x slower than plain ones in these kernels.
     */
    private static void put(float[] y, int at, FloatVector val, long lanes, boolean accumulate) {
        if (lanes == ALL) {
            if (accumulate) val = val.add(FloatVector.fromArray(SPECIES, y, at));
            val.intoArray(y, at);
        } else if (lanes != 0) {
            VectorMask<Float> live = VectorMask.fromLong(SPECIES, lanes);
            if (accumulate) val = val.add(FloatVector.fromArray(SPECIES, y, at, live));
            val.intoArray(y, at, live);
        }
    }
}
