package diffusion4j.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** The skip rule of {@link OpenClAvailable}: skip with the reason locally, fail under CI=true. */
class ClAvailabilityTest {
    @Test
    void skipsWithTheReasonOutsideCi() {
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> OpenClAvailable.decide("UnsatisfiedLinkError: no libOpenCL", false));
        assertEquals("no OpenCL platform found: UnsatisfiedLinkError: no libOpenCL", e.getMessage());
    }

    @Test
    void failsInsteadOfSkippingUnderCi() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> OpenClAvailable.decide("CLException: CL_PLATFORM_NOT_FOUND_KHR", true));
        assertEquals("no OpenCL platform found: CLException: CL_PLATFORM_NOT_FOUND_KHR (CI=true: OpenCL tests must run, not be skipped)",
                e.getMessage());
    }

    @Test
    void passesWhenAPlatformExists() {
        assertDoesNotThrow(() -> OpenClAvailable.decide(null, true));
    }
}
