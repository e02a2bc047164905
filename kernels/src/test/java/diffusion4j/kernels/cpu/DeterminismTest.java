package diffusion4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Functional;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Tensor;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Same inputs, same bits: every multithreaded kernel must give bit-identical results run after
 * run, whatever the thread timing, so a seeded training run is reproducible.
 */
class DeterminismTest {
    static final Device D = Device.CPU;

    static Tensor randn(long seed, int... shape) {
        return Tensor.randn(D, new Generator(seed), shape);
    }

    static void assertRepeatable(String what, Supplier<float[]> run) {
        float[] first = run.get();
        for (int i = 0; i < 6; i++) assertArrayEquals(first, run.get(), what + ": run " + (i + 2) + " differs from run 1");
    }

    @Test void matmulAndReductions() {
        Tensor a = randn(1, 4, 130, 257), b = randn(2, 257, 129);
        assertRepeatable("matmul", () -> a.matmul(b).toFloatArray());
        Tensor x = randn(3, 64, 4097);
        assertRepeatable("sum over rows", () -> x.sum(1, false).toFloatArray());
        assertRepeatable("sum over columns", () -> x.sum(0, false).toFloatArray());
        assertRepeatable("sum of all", () -> x.sum().toFloatArray());
    }

    @Test void convolutionForwardAndBackward() {
        assertConvolutionRepeatable("conv2d", randn(4, 8, 16, 20, 20), randn(5, 24, 16, 3, 3), 6);
    }

    /** Wide enough for the Winograd passes and weight gradient (CpuConv's routing). */
    @Test void winogradConvolution() {
        assertConvolutionRepeatable("Winograd conv2d", randn(15, 6, 64, 12, 14), randn(16, 64, 64, 3, 3), 17);
    }

    private static void assertConvolutionRepeatable(String what, Tensor x, Tensor w, long dySeed) {
        ConvParams p = ConvParams.of(1, 1);
        Tensor dy = randn(dySeed, Functional.conv2d(x, w, null, p).shape());
        assertRepeatable(what, () -> Functional.conv2d(x, w, null, p).toFloatArray());
        assertRepeatable(what + " backward input", () -> Functional.conv2dBackwardInput(dy, w, x.shape(), p).toFloatArray());
        assertRepeatable(what + " backward weight", () -> Functional.conv2dBackwardWeight(x, dy, w.shape(), p).toFloatArray());
    }

    @Test void normsAndAttentionBackward() {
        Tensor x = randn(7, 6, 32, 9, 9), g = randn(8, 32), bt = randn(9, 32), dy = randn(10, 6, 32, 9, 9);
        Functional.Norm n = Functional.groupNorm(x, 8, g, bt, 1e-5f);
        assertRepeatable("group norm backward", () -> {
            Functional.NormGrads gr = Functional.groupNormBackward(dy, x, n.mean(), n.rstd(), g, 8);
            return concat(gr.dx().toFloatArray(), gr.dgamma().toFloatArray(), gr.dbeta().toFloatArray());
        });
        Tensor q = randn(11, 3, 200, 32), k = randn(12, 3, 150, 32), v = randn(13, 3, 150, 32), dout = randn(14, 3, 200, 32);
        Functional.Attention at = Functional.attention(q, k, v, null, false, 0.2f);
        assertRepeatable("attention backward", () -> {
            Functional.AttentionGrads gr = Functional.attentionBackward(q, k, v, at.out(), at.lse(), dout, null, false, 0.2f);
            return concat(gr.dq().toFloatArray(), gr.dk().toFloatArray(), gr.dv().toFloatArray());
        });
    }

    static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
