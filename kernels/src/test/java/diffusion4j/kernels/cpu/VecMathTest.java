package diffusion4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import diffusion4j.tensor.ScalarMath;
import diffusion4j.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

/** Accuracy of the vector erf against the double-precision definition, relative where it matters. */
class VecMathTest {
    @Test void erfIsRelativelyAccurateNearZeroAndAbsolutelyAccurateElsewhere() {
        float[] xs = {1e-7f, -3e-6f, 1e-4f, 2.5e-3f, -0.01f, 0.1f, 0.3f, -0.49f, 0.51f, 1f, -1.7f, 2.5f, 4f, -6f};
        int lanes = VecMath.S.length();
        float[] in = new float[(xs.length + lanes - 1) / lanes * lanes], out = new float[in.length];
        System.arraycopy(xs, 0, in, 0, xs.length);
        VecMath.unary(UnaryOp.ERF, in, 0, out, 0, in.length);
        for (int i = 0; i < xs.length; i++) {
            double expected = ScalarMath.erf(xs[i]);
            double tolerance = Math.abs(xs[i]) < 0.5 ? 1e-6 * Math.abs(expected) : 3e-7;
            assertEquals(expected, out[i], tolerance, "erf(" + xs[i] + ")");
        }
    }
}
