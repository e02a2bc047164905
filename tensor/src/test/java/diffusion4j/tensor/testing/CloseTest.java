package diffusion4j.tensor.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The comparison helper's verdicts and messages, on hand-made arrays. */
class CloseTest {
    @Test void withinAbsoluteAndRelativeTolerancePasses() {
        // |1000.05 - 1000| = 0.05 <= 1e-3 + 1e-4 * 1000 = 0.101; |1e-4| <= 1e-3.
        Close.assertClose(new float[] {1000f, 0f, 2f}, new float[] {1000.05f, 1e-4f, 2f}, 1e-3, 1e-4, "ok");
    }

    @Test void nanAndInfinitiesMustMatchExactly() {
        float inf = Float.POSITIVE_INFINITY;
        Close.assertClose(new float[] {Float.NaN, inf, -inf}, new float[] {Float.NaN, inf, -inf}, 0, 0, "specials");
        assertThrows(AssertionFailedError.class, () -> Close.assertClose(new float[] {Float.NaN}, new float[] {0f}, 1, 1, "nan"));
        assertThrows(AssertionFailedError.class, () -> Close.assertClose(new float[] {inf}, new float[] {-inf}, 1, 1, "inf"));
        assertThrows(AssertionFailedError.class, () -> Close.assertClose(new float[] {1e30f}, new float[] {inf}, 1, 1, "overflow"));
    }

    @Test void messageNamesFirstBadElementPositionAndMaxError() {
        float[] expected = {0, 1, 2, 3, 4, 5};
        float[] actual = {0, 1.5f, 2, 3, 7, 5};
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> Close.assertClose(expected, actual, 0.1, 0, "op", new int[] {2, 3}));
        assertEquals("op: element 1 (0, 1) expected 1.0 but was 1.5 (atol 0.1, rtol 0.0); max error 3.0 at 4 (1, 1) over 6 elements",
                e.getMessage());
    }

    @Test void lengthMismatchIsReported() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> Close.assertClose(new float[2], new float[3], 0, 0, "op"));
        assertEquals("op: expected 2 elements but got 3", e.getMessage());
    }

    @Test void positionWithoutShapeIsTheFlatIndex() {
        assertEquals("5", Close.position(5, null));
        assertEquals("5 (1, 2)", Close.position(5, new int[] {2, 3}));
    }
}
