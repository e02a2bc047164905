package diffusion4j.kernels.opencl;

/**
 * A {@code __local} kernel argument of {@code bytes} bytes, for {@link ClRuntime#launch}: OpenCL
 * sizes local buffers at launch time, so a tile size chosen by {@link ClTuning} needs no rebuild.
 */
public record LocalBytes(long bytes) {
    public LocalBytes {
        if (bytes <= 0) throw new IllegalArgumentException("local buffer of " + bytes + " bytes");
    }

    /** A local buffer of {@code n} floats. */
    public static LocalBytes floats(long n) {
        return new LocalBytes(4 * n);
    }
}
