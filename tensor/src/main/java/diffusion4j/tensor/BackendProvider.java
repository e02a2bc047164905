package diffusion4j.tensor;

import java.util.List;

/**
 * Service-provider interface through which backends are found ({@code META-INF/services}). A
 * provider lists the devices it can serve and opens a backend for one of them.
 */
public interface BackendProvider {
    /** Devices this provider can serve now (empty when, say, no OpenCL platform exists). */
    List<Device> devices();

    /** Opens the backend of {@code device} (one of {@link #devices()}). Called once per device. */
    Backend open(Device device);

    /** Higher wins when choosing the default device among providers; the reference backend is 0. */
    default int priority() {
        return 0;
    }
}
