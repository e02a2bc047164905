package diffusion4j.tensor.io;

/**
 * The element types the safetensors format names, with their sizes in bytes. The header parser
 * knows all of them so it can validate (and list) any well-formed file; {@link #readable()} says
 * which ones {@link Safetensors#read} converts to FLOAT32.
 *
 * <p>The sub-byte types of recent safetensors versions (F4, F6_*) are not listed: a file holding
 * them is reported as using an unknown dtype.
 */
public enum SafetensorsDType {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), F8_E8M0(1),
    I16(2), U16(2), F16(2), BF16(2),
    I32(4), U32(4), F32(4),
    I64(8), U64(8), F64(8), C64(8);

    private final int bytes;

    SafetensorsDType(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** Whether {@link Safetensors#read} can convert this type to FLOAT32 (F32, F16, BF16). */
    public boolean readable() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** The type named {@code name} in a header, or null when there is none. */
    static SafetensorsDType byName(String name) {
        for (SafetensorsDType d : values()) {
            if (d.name().equals(name)) return d;
        }
        return null;
    }
}
