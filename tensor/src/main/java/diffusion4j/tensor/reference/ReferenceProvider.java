package diffusion4j.tensor.reference;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.BackendProvider;
import diffusion4j.tensor.Device;
import java.util.List;

/** Registers the reference backend: always present, priority 0 so any faster backend wins the default. */
public final class ReferenceProvider implements BackendProvider {
    @Override public List<Device> devices() {
        return List.of(Device.REFERENCE);
    }

    @Override public Backend open(Device device) {
        if (!device.equals(Device.REFERENCE)) {
            throw new IllegalArgumentException("the reference provider serves only '" + Device.REFERENCE + "', not '" + device + "'");
        }
        return new ReferenceBackend();
    }

    @Override public int priority() {
        return 0;
    }
}
