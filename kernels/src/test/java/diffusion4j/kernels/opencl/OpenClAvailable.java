package diffusion4j.kernels.opencl;

import diffusion4j.tensor.Backends;
import diffusion4j.tensor.Device;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * {@code @ExtendWith(OpenClAvailable.class)}: skips a test class with "no OpenCL platform found:
 * &lt;reason&gt;" where OpenCL cannot run, but FAILS it when the environment says {@code CI=true}:
 * CI installs POCL, so a skip there means the OpenCL backend silently went untested.
 * (.ci/run also rejects skipped OpenCL tests in the surefire reports.)
 */
public final class OpenClAvailable implements BeforeAllCallback {
    @Override public void beforeAll(ExtensionContext context) {
        decide(OpenClProvider.unavailableReason(), "true".equalsIgnoreCase(System.getenv("CI")));
    }

    /** Passes when {@code reason} is null; otherwise fails under CI and skips elsewhere, saying why. */
    static void decide(String reason, boolean ci) {
        if (reason == null) return;
        String message = "no OpenCL platform found: " + reason;
        if (ci) Assertions.fail(message + " (CI=true: OpenCL tests must run, not be skipped)");
        Assumptions.abort(message);
    }

    /** The default OpenCL device's backend (opencl:0). */
    static OpenClBackend backend() {
        return (OpenClBackend) Backends.get(Device.opencl(0));
    }
}
