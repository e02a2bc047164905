package diffusion4j.tensor.reference;

import static diffusion4j.tensor.reference.RefTesting.assertClose;
import static diffusion4j.tensor.reference.RefTesting.backend;
import static diffusion4j.tensor.reference.RefTesting.checkDirectionalDerivative;
import static diffusion4j.tensor.reference.RefTesting.floats;
import static diffusion4j.tensor.reference.RefTesting.randomDoubles;
import static diffusion4j.tensor.reference.RefTesting.randomFloats;
import static diffusion4j.tensor.reference.RefTesting.tensor;
import static diffusion4j.tensor.reference.RefTesting.values;
import static diffusion4j.tensor.reference.RefTesting.view;
import static org.junit.jupiter.api.Assertions.assertEquals;

import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Softmax and log-softmax: hand values, exp(x)/sum along any dim, stability, and backward by finite differences. */
class RefSoftmaxTest {
    @Test void handValues() {
        // exp(0), exp(ln 2), exp(ln 3) = 1, 2, 3 over 6.
        Tensor x = tensor(floats(0, Math.log(2), Math.log(3)), 3);
        assertClose(floats(1 / 6.0, 1 / 3.0, 1 / 2.0), values(backend().softmax(x, 0, false)), 1e-6);
        assertClose(floats(Math.log(1 / 6.0), Math.log(1 / 3.0), Math.log(1 / 2.0)), values(backend().softmax(x, 0, true)), 1e-6);
    }

    @Test void largeLogitsDoNotOverflow() {
        // Shifted by the max: [1000, 1001] is [0, 1], giving 1/(1+e) and e/(1+e).
        Tensor x = tensor(floats(1000, 1001), 2);
        assertClose(floats(1 / (1 + Math.E), Math.E / (1 + Math.E)), values(backend().softmax(x, 0, false)), 1e-7);
        assertClose(floats(-Math.log1p(Math.E), 1 - Math.log1p(Math.E)), values(backend().softmax(x, 0, true)), 1e-6);
    }

    @Test void matchesExpOverSumAlongEveryDimOfAStridedView() {
        Random r = new Random(1);
        int[] shape = {3, 4, 5};
        // A (5, 4, 3) buffer seen through reversed strides as (3, 4, 5): not contiguous.
        Tensor x = view(randomFloats(r, 60), new Layout(shape, new int[] {1, 3, 12}, 0));
        double[] xd = Strided.read(x);
        int[] strides = {20, 5, 1};
        for (int dim = 0; dim < 3; dim++) {
            float[] y = values(backend().softmax(x, dim, false));
            float[] logY = values(backend().softmax(x, dim, true));
            for (int e = 0; e < 60; e++) {
                int j = e / strides[dim] % shape[dim], rowStart = e - j * strides[dim];
                double sum = 0;
                for (int t = 0; t < shape[dim]; t++) sum += Math.exp(xd[rowStart + t * strides[dim]]);
                assertEquals(Math.exp(xd[e]) / sum, y[e], 1e-6, "dim " + dim + " element " + e);
                assertEquals(xd[e] - Math.log(sum), logY[e], 1e-6, "log, dim " + dim + " element " + e);
            }
            for (int row = 0; row < 60; row++) {
                if (row / strides[dim] % shape[dim] != 0) continue; // the first element of each row
                double total = 0;
                for (int t = 0; t < shape[dim]; t++) total += y[row + t * strides[dim]];
                assertEquals(1, total, 1e-6, "row sum, dim " + dim);
            }
        }
    }

    @Test void backwardHandValues() {
        // y = [0.5, 0.5], dy = [1, 0]: sum(dy*y) = 0.5, dx = y*(dy - 0.5) = [0.25, -0.25].
        Tensor y = tensor(floats(0.5, 0.5), 2), dy = tensor(floats(1, 0), 2);
        assertClose(floats(0.25, -0.25), values(backend().softmaxBackward(y, dy, 0, false)), 0);
        // Log: y = log 0.5, sum(dy) = 1, dx = dy - 0.5 = [0.5, -0.5].
        Tensor logY = tensor(floats(Math.log(0.5), Math.log(0.5)), 2);
        assertClose(floats(0.5, -0.5), values(backend().softmaxBackward(logY, dy, 0, true)), 1e-7);
    }

    @Test void backwardMatchesFiniteDifferences() {
        Random r = new Random(2);
        int[] shape = {2, 5, 3};
        double[] x = randomDoubles(r, 30), dy = randomDoubles(r, 30);
        for (int dim = 0; dim < 3; dim++) {
            for (boolean log : new boolean[] {false, true}) {
                int d = dim;
                double[] y = RefSoftmax.softmax(x, shape, d, log);
                checkDirectionalDerivative("softmax dim " + d + (log ? " (log)" : ""), xx -> RefSoftmax.softmax(xx, shape, d, log),
                        x, dy, RefSoftmax.backward(y, dy, shape, d, log), r);
            }
        }
    }
}
