package diffusion4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import diffusion4j.tensor.AdamUpdate;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.testing.TestData;
import org.junit.jupiter.api.Test;

/**
 * The fused update gives the same bits as the elementwise op sequence it replaced (so training runs
 * and checkpoints did not change when the optimizer switched to it): float operations in the same
 * order, no fma, on both the vector body and the scalar tail.
 */
class CpuOptimTest {
    @Test void fusedAdamMatchesTheUnfusedOpsBitForBit() {
        int n = 40_003; // vector body on two threads plus a scalar tail
        Tensor w = gaussian(1, 1f, n), g = gaussian(2, 1f, n), m = gaussian(3, 0.1f, n), v = gaussian(4, 0.1f, n).square();
        double b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = 3e-3;
        for (boolean decoupled : new boolean[] {true, false}) {
            for (double wd : new double[] {0, 0.01}) {
                long t = 5;
                AdamUpdate.Result fused = AdamUpdate.of(b1, b2, eps, wd, decoupled, lr, t).apply(w, g, m, v);
                // the sequence Adam.update ran before the fused op
                Tensor w1 = w, g1 = g;
                if (wd != 0) {
                    if (decoupled) w1 = w.mul((float) (1 - lr * wd));
                    else g1 = g.add(w.mul((float) wd));
                }
                Tensor m2 = m.mul((float) b1).add(g1.mul((float) (1 - b1)));
                Tensor v2 = v.mul((float) b2).add(g1.square().mul((float) (1 - b2)));
                double bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
                Tensor denom = v2.sqrt().div((float) Math.sqrt(bc2)).add((float) eps);
                Tensor w2 = w1.sub(m2.div(denom).mul((float) (lr / bc1)));
                String what = "decoupled " + decoupled + " wd " + wd;
                assertArrayEquals(m2.toFloatArray(), fused.m().toFloatArray(), 0f, what + ": m");
                assertArrayEquals(v2.toFloatArray(), fused.v().toFloatArray(), 0f, what + ": v");
                assertArrayEquals(w2.toFloatArray(), fused.w().toFloatArray(), 0f, what + ": w");
            }
        }
    }

    private static Tensor gaussian(long seed, float scale, int n) {
        return Tensor.of(Device.CPU, TestData.gaussian(seed, scale, n), n);
    }
}
