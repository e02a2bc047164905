package diffusion4j.kernels.cpu;

import static diffusion4j.kernels.cpu.CpuWinograd.XI;
import static diffusion4j.kernels.cpu.GemmKernel.LANES;
import static diffusion4j.kernels.cpu.GemmKernel.NR;
import static diffusion4j.kernels.cpu.GemmKernel.SPECIES;
import static diffusion4j.kernels.cpu.GemmPacking.panels;

import diffusion4j.tensor.Layout;
import diffusion4j.tensor.TensorScope;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.incubator.vector.FloatVector;

/**
 * Weight gradient of the 3x3 convolutions {@link WinogradForward} runs, by the same F(2x2, 3x3)
 * algebra backwards (Lavin and Gray 2016): with E = A dy A^T per 2x2 tile of dy (the adjoint of the
 * output transform, A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]) and V = B^T d B as in the forward,
 * <pre>
 * dU_xi^T (C x O) = sum over tiles of V_xi (C x T) E_xi (T x O),      then dW = G^T dU G
 * </pre>
 * 16 products of depth T (every tile of the batch) instead of one of depth N*H*W with 9x the
 * columns: 2.25x fewer multiply-adds than the implicit GEMM ({@link CpuConvWeightGrad}).
 *
 * <p>Tiles go in chunks of {@link #tilesPerChunk} (fixed by the shape, at most {@link CpuWinograd#BUDGET}
 * floats per transformed buffer, so a chunk stays in L3): per chunk V (16 x C x T, lanes = tiles,
 * exactly as the forward makes it from the split input) and E (16 x T x O, vectorized over output
 * channels from an NHWC copy of dy, in NR-wide panels of output channels), then the 16 products,
 * one xi per task, each summed over the chunks in order. Every dU element is thus summed in an order
 * fixed by the shapes, whatever the thread count. The products run on {@link AttentionTile}'s tiles:
 * V rows are the A operand in place (depth = tiles, contiguous), E panels the B operand, two
 * panels at a time on the wide tile (4 rows, over all rows for a pair of panels, so the pair stays
 * in L2 while V streams), an odd last panel on the 8-row tile. The wide tile made the weight
 * gradient 3-6% faster at 64, 128 and 256 channels (N32; paired rounds in one JVM, same bits).
 */
final class WinogradWeightGrad {
    private WinogradWeightGrad() {}

    /** Input channels per V task. */
    private static final int VROWS = 16;

    /** Whether the channel counts fit the vectorization: output channels in whole NR panels, input channels in whole 8-row tiles. */
    static boolean applies(int c, int o) {
        return o % NR == 0 && c % AttentionTile.TR == 0;
    }

    /** Tiles per chunk: a multiple of NR, 16 x max(C, O) x that within the budget. */
    static int tilesPerChunk(CpuWinograd.Geo g) {
        int fit = CpuWinograd.BUDGET / (XI * Math.max(g.c(), g.o())) / NR * NR;
        return Math.max(NR, Math.min(fit, panels(g.n() * g.tilesPerImage(), NR) * NR));
    }

    /**
     * @param x  (N, C, H, W) at {@code xo}; not modified
     * @param dy (N, O, OH, OW) at {@code dyo}; not modified
     * @return dW (O, C, 3, 3), summed over the batch
     */
    static float[] backwardWeight(CpuWinograd.Geo g, float[] x, int xo, float[] dy, int dyo) {
        int c = g.c(), o = g.o(), tiles = g.n() * g.tilesPerImage(), ct = tilesPerChunk(g);
        int vs = CpuWinograd.stride(c * ct), es = CpuWinograd.stride(o * ct), us = CpuWinograd.stride(c * o);
        WinogradForward.Split sp = WinogradForward.Split.of(g);
        float[] s = WinogradForward.split(g, sp, x, xo), dyt = nhwc(g, dy, dyo);
        float[] v = TensorScope.array(XI * vs), e = TensorScope.array(XI * es), du = TensorScope.array(XI * us);
        for (int t0 = 0, chunk = 0; t0 < tiles; t0 += ct, chunk++) {
            int first = t0, count = Math.min(ct, tiles - t0);
            boolean acc = chunk > 0;
            // V, a block of channels per task (every panel of the chunk); E, a panel of output channels
            // per task. Each task writes whole rows of its own, so the threads never share a cache line.
            int vTasks = panels(c, VROWS), eTasks = o / NR;
            AtomicInteger next = new AtomicInteger();
            Parallel.range(Parallel.threads(), (a, b) -> {
                WinogradForward.Runs runs = new WinogradForward.Runs();
                for (int task; (task = next.getAndIncrement()) < vTasks + eTasks; ) {
                    if (task < vTasks) {
                        int c0 = task * VROWS, c1 = Math.min(c, c0 + VROWS);
                        for (int col = 0; col < count; col += NR) {
                            runs.plan(g, sp, first + col, tiles);
                            WinogradForward.transform(sp, s, runs, c0, c1, v, vs, ct, col);
                        }
                    } else {
                        gradTransform(g, dyt, first, count, task - vTasks, e, es, ct);
                    }
                }
            });
            // dU_xi^T (C x O) (+)= V_xi (C x count) E_xi (count x O), one xi per task.
            AtomicInteger nextXi = new AtomicInteger();
            Parallel.range(Parallel.threads(), (a, b) -> {
                for (int xi; (xi = nextXi.getAndIncrement()) < XI; ) {
                    int jb = 0;
                    for (; jb + 2 * NR <= o; jb += 2 * NR) {
                        for (int r = 0; r < c; r += AttentionTile.WIDE_ROWS) {
                            AttentionTile.tileNNWide(count, v, xi * vs + r * ct, ct, e, xi * es + jb * ct, NR, NR * ct,
                                    du, xi * us + r * o + jb, o, acc);
                        }
                    }
                    for (; jb < o; jb += NR) {
                        for (int r = 0; r < c; r += AttentionTile.TR) {
                            AttentionTile.tileNN(count, v, xi * vs + r * ct, ct, e, xi * es + jb * ct, NR, du, xi * us + r * o + jb, o, acc);
                        }
                    }
                }
            });
        }
        return CpuWinograd.weights(o, c, du, us, 1, o);
    }

    /** dy as (N, OH*OW, O), in the calling thread's scratch: the (N, O, HW) input's permuted view, copied by {@link StridedCopy}. */
    private static float[] nhwc(CpuWinograd.Geo g, float[] dy, int dyo) {
        int n = g.n(), o = g.o(), hw = g.oh() * g.ow();
        float[] t = ConvScratch.get(ConvScratch.PACKED_DY, n * hw * o);
        StridedCopy.copy(dy, new Layout(new int[] {n, hw, o}, new int[] {o * hw, 1, hw}, dyo), t, Layout.contiguous(n, hw, o));
        return t;
    }

    /**
     * E_xi for {@code count} tiles from {@code first} and the NR output channels of panel {@code jb},
     * stored at {@code e[xi*es + jb*ct*NR + k*NR + lane]} for the k-th tile: per tile and vector of
     * output channels, the 2x2 tile of dy [a b; c d] (zero beyond an odd edge) through A on both
     * sides: rows (a, b) -> (a, a + b, a - b, -b), then the rows combine the same way (E row 0 = top,
     * 1 = top + bottom, 2 = top - bottom, 3 = -bottom).
     */
    private static void gradTransform(CpuWinograd.Geo g, float[] dyt, int first, int count, int jb, float[] e, int es, int ct) {
        int o = g.o(), ow = g.ow(), oh = g.oh(), ti = g.tilesPerImage(), tw = g.tw(), hw = oh * ow;
        FloatVector zero = FloatVector.zero(SPECIES);
        for (int k = 0; k < count; k++) {
            int t = first + k, n = t / ti, ty = t % ti / tw, tx = t % ti % tw;
            boolean right = 2 * tx + 1 < ow, down = 2 * ty + 1 < oh;
            int base = (n * hw + 2 * ty * ow + 2 * tx) * o;
            for (int oc = jb * NR; oc < (jb + 1) * NR; oc += LANES) {
                FloatVector a = FloatVector.fromArray(SPECIES, dyt, base + oc);
                FloatVector b = right ? FloatVector.fromArray(SPECIES, dyt, base + o + oc) : zero;
                FloatVector cc = down ? FloatVector.fromArray(SPECIES, dyt, base + ow * o + oc) : zero;
                FloatVector d = right && down ? FloatVector.fromArray(SPECIES, dyt, base + (ow + 1) * o + oc) : zero;
                FloatVector t0 = a, t1 = a.add(b), t2 = a.sub(b), t3 = b.neg();
                FloatVector u0 = cc, u1 = cc.add(d), u2 = cc.sub(d), u3 = d.neg();
                int at = jb * ct * NR + k * NR + oc % NR;
                t0.intoArray(e, at);
                t1.intoArray(e, at + es);
                t2.intoArray(e, at + 2 * es);
                t3.intoArray(e, at + 3 * es);
                t0.add(u0).intoArray(e, at + 4 * es);
                t1.add(u1).intoArray(e, at + 5 * es);
                t2.add(u2).intoArray(e, at + 6 * es);
                t3.add(u3).intoArray(e, at + 7 * es);
                t0.sub(u0).intoArray(e, at + 8 * es);
                t1.sub(u1).intoArray(e, at + 9 * es);
                t2.sub(u2).intoArray(e, at + 10 * es);
                t3.sub(u3).intoArray(e, at + 11 * es);
                u0.neg().intoArray(e, at + 12 * es);
                u1.neg().intoArray(e, at + 13 * es);
                u2.neg().intoArray(e, at + 14 * es);
                u3.neg().intoArray(e, at + 15 * es);
            }
        }
    }
}
