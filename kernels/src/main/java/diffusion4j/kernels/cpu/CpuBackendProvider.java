package diffusion4j.kernels.cpu;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.BackendProvider;
import diffusion4j.tensor.Device;
import java.util.List;

/**
 * Registers the Vector API backend for {@link Device#CPU}. Priority 10: above the reference
 * backend (0), so the CPU backend is the default device whenever this module is on the class path.
 */
public final class CpuBackendProvider implements BackendProvider {
    @Override public List<Device> devices() {
        return List.of(Device.CPU);
    }

    @Override public Backend open(Device device) {
        if (!device.equals(Device.CPU)) {
            throw new IllegalArgumentException("the CPU provider serves only '" + Device.CPU + "', not '" + device + "'");
        }
        return new CpuBackend(VectorSelfCheck.checkAndWarn());
    }

    @Override public int priority() {
        return 10;
    }
}
