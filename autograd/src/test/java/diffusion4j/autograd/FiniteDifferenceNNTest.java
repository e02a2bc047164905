package diffusion4j.autograd;

import static diffusion4j.autograd.AgTesting.of;
import static diffusion4j.autograd.AgTesting.randn;
import static diffusion4j.autograd.AgTesting.spread;
import static diffusion4j.autograd.GradCheck.assertGradients;

import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The ops of {@link NN} against central finite differences on the reference backend. */
class FiniteDifferenceNNTest {
    private final Random r = new Random(11);

    @Test void conv2dEveryGeometry() {
        assertGradients(v -> NN.conv2d(v[0], v[1], v[2], ConvParams.of(1, 0)), randn(r, 2, 3, 5, 4), randn(r, 2, 3, 3, 2), randn(r, 2));
        assertGradients(v -> NN.conv2d(v[0], v[1], v[2], new ConvParams(2, 1, 1, 2, 1, 1, 1)),
                randn(r, 1, 2, 7, 5), randn(r, 3, 2, 3, 3), randn(r, 3));
        assertGradients(v -> NN.conv2d(v[0], v[1], null, ConvParams.of(1, 2, 2, 1)), randn(r, 1, 2, 6, 5), randn(r, 2, 2, 3, 3));
        assertGradients(v -> NN.conv2d(v[0], v[1], v[2], ConvParams.of(1, 1, 1, 2)), randn(r, 1, 4, 4, 5), randn(r, 4, 2, 3, 3), randn(r, 4));
        // a channels-last input viewed as NCHW: strided before the kernel's contiguous copy
        assertGradients(v -> NN.conv2d(v[0].permute(0, 3, 1, 2), v[1], null, ConvParams.of(1, 1)), randn(r, 1, 4, 5, 2), randn(r, 3, 2, 3, 3));
    }

    @Test void convTranspose2d() {
        assertGradients(v -> NN.convTranspose2d(v[0], v[1], v[2], ConvParams.of(1, 0), 0), randn(r, 1, 3, 3, 4), randn(r, 3, 2, 3, 2), randn(r, 2));
        assertGradients(v -> NN.convTranspose2d(v[0], v[1], v[2], ConvParams.of(2, 1), 1), randn(r, 2, 2, 3, 3), randn(r, 2, 3, 3, 3), randn(r, 3));
        assertGradients(v -> NN.convTranspose2d(v[0], v[1], null, ConvParams.of(2, 0, 1, 2), 0), randn(r, 1, 4, 3, 2), randn(r, 4, 1, 2, 2));
    }

    @Test void pooling() {
        assertGradients(v -> NN.maxPool2d(v[0], 3, 2, 1), spread(r, 2, 2, 7, 6));
        assertGradients(v -> NN.maxPool2d(v[0], 2, 2, 0), spread(r, 1, 3, 4, 5));
        assertGradients(v -> NN.avgPool2d(v[0], 3, 1, 1), randn(r, 1, 2, 5, 4));
        assertGradients(v -> NN.avgPool2d(v[0].transpose(2, 3), 2, 2, 0), randn(r, 2, 1, 4, 6));
    }

    @Test void upsample() {
        assertGradients(v -> NN.upsampleNearest(v[0], 2), randn(r, 1, 2, 3, 2));
        assertGradients(v -> NN.upsampleNearest(v[0], 3).exp(), randn(r, 2, 1, 2, 3));
    }

    @Test void normalizations() {
        Tensor x = randn(r, 2, 6, 3, 2);
        assertGradients(v -> NN.groupNorm(v[0], 3, v[1], v[2], 1e-5f), x, randn(r, 6), randn(r, 6));
        assertGradients(v -> NN.groupNorm(v[0], 2, null, null, 1e-5f), randn(r, 2, 4, 5));
        assertGradients(v -> NN.layerNorm(v[0], 1, v[1], v[2], 1e-5f), randn(r, 3, 2, 7), randn(r, 7), randn(r, 7));
        assertGradients(v -> NN.layerNorm(v[0].transpose(0, 1), 2, v[1], null, 1e-5f), randn(r, 3, 2, 4), randn(r, 3, 4));
    }

    @Test void attention() {
        Tensor q = randn(r, 2, 3, 4), k = randn(r, 2, 5, 4), v = randn(r, 2, 5, 3);
        assertGradients(a -> NN.attention(a[0], a[1], a[2], null, false, 0.5f), q, k, v);
        assertGradients(a -> NN.attention(a[0], a[1], a[2], null, true, 0.5f), q, k, v);
        Tensor mask = of(new float[] {1, 0, 1, 1, 0, 1, 1, 0, 0, 1}, 2, 5);
        assertGradients(a -> NN.attention(a[0], a[1], a[2], mask, true, 0.7f), q, k, v);
        // multi-head layout from a (B, L, H, D) tensor: transposed views into the kernel
        assertGradients(a -> NN.attention(a[0].transpose(1, 2), a[1].transpose(1, 2), a[2].transpose(1, 2), null, false, 0.6f),
                randn(r, 1, 3, 2, 4), randn(r, 1, 4, 2, 4), randn(r, 1, 4, 2, 2));
    }

    @Test void embeddingAndLosses() {
        Tensor ids = of(new float[] {1, 4, 1, 0, 1, 3}, 2, 3);
        assertGradients(v -> NN.embedding(v[0], ids), randn(r, 5, 3));
        assertGradients(v -> NN.crossEntropy(v[0], of(new float[] {1, 0, 4, 1}, 4)), randn(r, 4, 5));
        assertGradients(v -> NN.mse(v[0], randn(new Random(3), 3, 4)), randn(r, 3, 4));
    }

    @Test void dropoutIsAFixedMaskTimesTheInput() {
        // the mask is drawn per call, so each evaluation must use a fresh generator with the same seed
        assertGradients(v -> NN.dropout(v[0], 0.4f, new Generator(5), true), randn(r, 4, 6));
    }
}
