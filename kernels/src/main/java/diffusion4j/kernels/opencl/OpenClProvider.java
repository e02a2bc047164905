package diffusion4j.kernels.opencl;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.BackendProvider;
import diffusion4j.tensor.Device;
import java.util.ArrayList;
import java.util.List;

/**
 * Registers the OpenCL devices as {@code opencl:0..n-1} (GPUs first; see {@link ClDevices}).
 * Where OpenCL cannot work (the JOCL natives or the system ICD loader fail to load, or no platform
 * exists) the device list is empty and the reason is logged once and kept for {@link #unavailableReason()}:
 * a machine without OpenCL still runs everything else. A selection property naming a device
 * that does not exist fails when an OpenCL device is opened, listing what exists.
 *
 * <p>Priority 5: below the CPU backend, so OpenCL is used only when asked for (transfers are explicit).
 */
public final class OpenClProvider implements BackendProvider {
    private static final System.Logger LOG = System.getLogger("diffusion4j.opencl");

    /** Discovery runs once per process: platforms do not come and go while it runs. */
    private static final class Discovery {
        static final List<ClDevices.Entry> ENTRIES;
        static final String REASON;

        static {
            List<ClDevices.Entry> e = List.of();
            String reason = null;
            SignalHandlers.captureOnce(); // before the driver loads: see SignalHandlers
            try {
                e = ClDevices.discover();
                if (e.isEmpty()) reason = "OpenCL platforms exist but offer no devices";
            } catch (LinkageError | RuntimeException ex) {
                // LinkageError: JOCL's natives or libOpenCL.so missing; CLException: no ICD platform (CL_PLATFORM_NOT_FOUND_KHR).
                reason = ex.getClass().getSimpleName() + ": " + ex.getMessage();
            } finally {
                SignalHandlers.restore();
            }
            if (reason != null) LOG.log(System.Logger.Level.INFO, "opencl: no OpenCL device available (" + reason + ")");
            ENTRIES = e;
            REASON = reason;
        }
    }

    /** Why no OpenCL device is available, or null when some is. */
    public static String unavailableReason() {
        return Discovery.REASON;
    }

    @Override public List<Device> devices() {
        List<Device> d = new ArrayList<>();
        for (int i = 0; i < Discovery.ENTRIES.size(); i++) d.add(Device.opencl(i));
        return d;
    }

    @Override public Backend open(Device device) {
        List<ClDevices.Entry> all = ClDevices.ordered(Discovery.ENTRIES, ClDevices.requested());
        if (!device.kind().equals("opencl") || device.index() >= all.size()) {
            throw new IllegalArgumentException("the OpenCL provider has no device '" + device + "'; available: " + ClDevices.describe(all));
        }
        return new OpenClBackend(device, new ClRuntime(all.get(device.index()), ProgramCache.defaultDir()));
    }

    @Override public int priority() {
        return 5;
    }
}
