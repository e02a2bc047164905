package diffusion4j.models.unet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.autograd.GradCheck;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The UNet stage on the reference backend: shapes, closed forms (zero-initialised outputs make every
 * block the identity, or the 1x1 shortcut alone), a symmetry attention must have (no positional
 * information, so mirroring the image mirrors the output), and finite-difference gradients.
 */
class UNetStageTest {
    private static final Device DEV = Device.REFERENCE;

    private static Variable randn(long seed, int... shape) {
        return Variable.constant(Tensor.randn(DEV, new Generator(seed), shape));
    }

    @Test
    void stageKeepsShapeAndIsTheIdentityWhenOutputsStartAtZero() {
        Generator gen = new Generator(1);
        UNetStage stage = new UNetStage(8, 12, 4, 4, true, DEV, gen);
        Variable x = randn(2, 2, 8, 3, 5), temb = randn(3, 2, 12);
        Tensor y = stage.forward(x, temb).data();
        assertArrayEquals(new int[] {2, 8, 3, 5}, y.shape());
        // Every block is x + (zero-weight output layer)(...), so the stage returns x exactly.
        assertArrayEquals(x.data().toFloatArray(), y.toFloatArray());
        assertEquals(2 * (2 * 8 + 8 * 8 * 9 + 8 + 12 * 8 + 8 + 2 * 8 + 8 * 8 * 9 + 8) + (2 * 8 + 4 * (8 * 8 + 8)),
                stage.parameterCount(), "parameter count (two ResBlocks and the attention block)");
    }

    @Test
    void stageWithDefaultInitChangesItsInput() {
        UNetStage stage = new UNetStage(8, 12, 4, 4, false, DEV, new Generator(1));
        Variable x = randn(2, 1, 8, 3, 3), temb = randn(3, 1, 12);
        float[] a = x.data().toFloatArray(), b = stage.forward(x, temb).data().toFloatArray();
        double diff = 0;
        for (int i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
        assertTrue(diff > 1e-2, "a freshly initialised stage should not be the identity, max change " + diff);
    }

    @Test
    void resBlockWithZeroOutputConvIsItsShortcut() {
        // in != out: out = nin_shortcut(x) = W x + b per pixel, computed here by hand.
        int in = 4, out = 6;
        ResBlock block = new ResBlock(in, out, 5, 2, true, DEV, new Generator(7));
        Variable x = randn(8, 2, in, 2, 3), temb = randn(9, 2, 5);
        float[] y = block.forward(x, temb).data().toFloatArray();
        float[] xv = x.data().toFloatArray();
        float[] w = block.shortcut().weight().data().toFloatArray(), b = block.shortcut().bias().data().toFloatArray();
        int s = 6;
        for (int n = 0; n < 2; n++) {
            for (int o = 0; o < out; o++) {
                for (int p = 0; p < s; p++) {
                    double e = b[o];
                    for (int c = 0; c < in; c++) e += (double) w[o * in + c] * xv[(n * in + c) * s + p];
                    assertEquals(e, y[(n * out + o) * s + p], 1e-5, "n=" + n + " o=" + o + " p=" + p);
                }
            }
        }
    }

    @Test
    void attentionBlockCommutesWithMirroringTheImage() {
        AttentionBlock block = new AttentionBlock(8, 4, 4, false, DEV, new Generator(3));
        int n = 2, c = 8, h = 3, w = 4;
        float[] x = Tensor.randn(DEV, new Generator(4), n, c, h, w).toFloatArray();
        float[] y = block.forward(Variable.constant(Tensor.of(DEV, x, n, c, h, w))).data().toFloatArray();
        float[] yMirror = block.forward(Variable.constant(Tensor.of(DEV, mirror(x, n * c * h, w), n, c, h, w))).data().toFloatArray();
        float[] expected = mirror(y, n * c * h, w);
        for (int i = 0; i < y.length; i++) assertEquals(expected[i], yMirror[i], 1e-5, "element " + i);
        // and the block is not trivially symmetric: the output differs from the input
        assertTrue(Math.abs(y[0] - x[0]) > 1e-4);
    }

    /** Reverses each row of {@code w} elements (flips the image left-right). */
    private static float[] mirror(float[] a, int rows, int w) {
        float[] r = new float[a.length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < w; j++) r[i * w + j] = a[i * w + w - 1 - j];
        return r;
    }

    @Test
    void resBlockGradientsMatchFiniteDifferences() {
        ResBlock block = new ResBlock(4, 6, 3, 2, false, DEV, new Generator(11));
        GradCheck.assertGradients(in -> block.forward(in[0], in[1]),
                Tensor.randn(DEV, new Generator(12), 2, 4, 3, 3), Tensor.randn(DEV, new Generator(13), 2, 3));
    }

    @Test
    void attentionBlockGradientsMatchFiniteDifferences() {
        AttentionBlock block = new AttentionBlock(4, 2, 2, false, DEV, new Generator(21));
        GradCheck.assertGradients(in -> block.forward(in[0]), Tensor.randn(DEV, new Generator(22), 2, 4, 2, 3));
    }

    @Test
    void wrongInputShapesAreRefusedWithTheExpectedShape() {
        UNetStage stage = new UNetStage(8, 12, 4, 4, false, DEV, new Generator(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> stage.forward(randn(1, 2, 6, 3, 3), randn(2, 2, 12)));
        assertEquals("ResBlock(8 -> 8): x must be (N, 8, H, W), got [2, 6, 3, 3]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> stage.forward(randn(1, 2, 8, 3, 3), randn(2, 3, 12)));
        assertEquals("ResBlock: temb must be (2, tembDim), got [3, 12]", e.getMessage());
    }
}
