package diffusion4j.kernels.parity;

import diffusion4j.kernels.parity.Parity.Pair;
import diffusion4j.tensor.AdamUpdate;
import diffusion4j.tensor.Backend.AdamOutput;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Storage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused Adam/AdamW update against the reference's double evaluation: both flavours of weight
 * decay, first and later steps, sizes around the vector width and across the thread split, and
 * inputs at a storage offset (narrowed views).
 */
class OptimParityTest {
    private static final double ATOL = 1e-6, RTOL = 1e-5;

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void adam(Device device) {
        long seed = 900;
        for (int n : new int[] {1, 37, 1000, 70_001}) {
            Pair w = at(Parity.randn(device, seed++, n + 3), n), g = at(Parity.randn(device, seed++, n + 3), n);
            Pair m = at(Parity.randn(device, seed++, 0.1f, n + 3), n);
            Pair v = at(Parity.randn(device, seed++, 0.1f, n + 3).view(t -> t.square()), n);
            for (boolean decoupled : new boolean[] {true, false}) {
                for (double wd : new double[] {0, 0.05}) {
                    for (long t : new long[] {1, 7}) {
                        AdamUpdate u = AdamUpdate.of(0.9, 0.999, 1e-8, wd, decoupled, 1e-3, t);
                        String what = "adam n " + n + " decoupled " + decoupled + " wd " + wd + " t " + t;
                        int[] s = {n};
                        Parity.closeAll(what, device, new int[][] {s, s, s}, new double[] {ATOL, ATOL, ATOL}, RTOL, b -> {
                            AdamOutput o = b.adam(w.on(b), g.on(b), m.on(b), v.on(b), u);
                            return new Storage[] {o.w(), o.m(), o.v()};
                        });
                    }
                }
            }
        }
    }

    /** The last n elements: a contiguous view at offset 3. */
    private static Pair at(Pair p, int n) {
        return p.view(t -> t.narrow(0, 3, n));
    }
}
