package diffusion4j.tensor;

import java.util.List;
import java.util.Locale;

/**
 * Names a place tensors live and run: {@code reference} (the scalar oracle), {@code cpu} (the
 * Vector API backend), {@code opencl:N}. Parsing accepts what {@link #toString()} prints.
 */
public record Device(String kind, int index) {
    public static final Device REFERENCE = new Device("reference", 0);
    public static final Device CPU = new Device("cpu", 0);

    public Device {
        if (kind == null || kind.isBlank()) throw new IllegalArgumentException("device kind is empty");
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
        kind = kind.toLowerCase(Locale.ROOT);
    }

    public static Device opencl(int index) {
        return new Device("opencl", index);
    }

    /** "cpu", "reference", "opencl", "opencl:1". */
    public static Device parse(String text) {
        String t = text.trim();
        int colon = t.indexOf(':');
        if (colon < 0) return new Device(t, 0);
        try {
            return new Device(t.substring(0, colon), Integer.parseInt(t.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("device '" + text + "': index after ':' is not a number");
        }
    }

    /**
     * The default device: system property {@code diffusion4j.device}, else environment variable
     * {@code DIFFUSION4J_DEVICE}, else {@code cpu} when the CPU backend is on the class path, else
     * {@code reference}.
     */
    public static Device defaultDevice() {
        return Backends.defaultDevice();
    }

    /** Every device some backend on the class path offers. */
    public static List<Device> available() {
        return Backends.available();
    }

    @Override public String toString() {
        return index == 0 && !kind.equals("opencl") ? kind : kind + ":" + index;
    }
}
