package diffusion4j.tensor;

import diffusion4j.tensor.profile.Profiler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/** The registry of backends found through {@link ServiceLoader}; one backend instance per device. */
public final class Backends {
    private Backends() {}

    private static final List<BackendProvider> PROVIDERS = load();
    private static final Map<Device, Backend> OPEN = new ConcurrentHashMap<>();
    private static volatile Device defaultDevice;

    private static List<BackendProvider> load() {
        List<BackendProvider> list = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).forEach(list::add);
        list.sort((a, b) -> Integer.compare(b.priority(), a.priority()));
        return List.copyOf(list);
    }

    /**
     * The backend of {@code device}, opened on first use; an error lists what exists otherwise.
     * With profiling on ({@link Profiler}) the backend comes wrapped in a timing decorator.
     */
    public static Backend get(Device device) {
        Backend b = OPEN.get(device);
        if (b != null) return b;
        for (BackendProvider p : PROVIDERS) {
            if (p.devices().contains(device)) {
                return OPEN.computeIfAbsent(device, d -> Profiler.wrap(p.open(d)));
            }
        }
        throw new IllegalArgumentException("no backend for device '" + device + "'; available: " + available());
    }

    public static List<Device> available() {
        List<Device> all = new ArrayList<>();
        for (BackendProvider p : PROVIDERS) all.addAll(p.devices());
        return all;
    }

    static Device defaultDevice() {
        Device d = defaultDevice;
        if (d != null) return d;
        String named = System.getProperty("diffusion4j.device");
        if (named == null || named.isBlank()) named = System.getenv("DIFFUSION4J_DEVICE");
        if (named != null && !named.isBlank()) {
            d = Device.parse(named);
            get(d); // fail early, naming the device, if it does not exist
        } else {
            d = Device.REFERENCE;
            for (BackendProvider p : PROVIDERS) {
                if (!p.devices().isEmpty() && !p.devices().get(0).kind().equals("opencl")) {
                    d = p.devices().get(0);
                    break;
                }
            }
        }
        defaultDevice = d;
        return d;
    }

    /** Sets the device that factories without a device argument use. */
    public static void setDefaultDevice(Device device) {
        get(device);
        defaultDevice = device;
    }
}
