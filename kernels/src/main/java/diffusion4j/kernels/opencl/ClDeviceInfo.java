package diffusion4j.kernels.opencl;

/**
 * What the runtime knows about one OpenCL device: enough to key the program cache (name, driver
 * version), to pick tiles ({@link ClTuning}: vendor, type, limits) and to describe it in errors.
 *
 * @param platform        the platform's name, e.g. "Portable Computing Language"
 * @param maxWorkGroup    CL_DEVICE_MAX_WORK_GROUP_SIZE
 * @param localMemBytes   CL_DEVICE_LOCAL_MEM_SIZE
 * @param globalMemBytes  CL_DEVICE_GLOBAL_MEM_SIZE
 * @param fp64            whether the device has cl_khr_fp64 (the normal random draws use it to match the CPU bit for bit)
 */
public record ClDeviceInfo(String platform, String name, String vendor, String driverVersion, Type type,
                           int maxWorkGroup, long localMemBytes, long globalMemBytes, int computeUnits, boolean fp64) {
    /** The device kinds the tuning table and the default choice (GPUs first) distinguish. */
    public enum Type { GPU, CPU, OTHER }

    @Override public String toString() {
        return name + " (" + type + ", " + platform + ", driver " + driverVersion + ")";
    }
}
