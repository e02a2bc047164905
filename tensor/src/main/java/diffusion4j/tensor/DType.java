package diffusion4j.tensor;

/**
 * Element types of tensor storage.
 *
 * <p>Compute is FLOAT32 today. F16 and BF16 are listed so storage and file formats (safetensors)
 * can name them; a backend that cannot hold them rejects them when asked to allocate.
 */
public enum DType {
    FLOAT32(4, "F32"),
    FLOAT16(2, "F16"),
    BFLOAT16(2, "BF16");

    private final int bytes;
    private final String safetensorsName;

    DType(int bytes, String safetensorsName) {
        this.bytes = bytes;
        this.safetensorsName = safetensorsName;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** The dtype's name in the safetensors header ("F32", "F16", "BF16"). */
    public String safetensorsName() {
        return safetensorsName;
    }
}
