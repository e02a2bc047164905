package diffusion4j.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import diffusion4j.kernels.opencl.ClDeviceInfo.Type;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Device selection strings against a fixed list of devices (no OpenCL needed: the handles are never touched). */
class ClDevicesTest {
    private static ClDevices.Entry entry(String platform, int indexInPlatform, String name, Type type) {
        return new ClDevices.Entry(null, null, indexInPlatform,
                new ClDeviceInfo(platform, name, "vendor", "1.0", type, 256, 65536, 1L << 30, 8, true));
    }

    /** Default order: GPUs first (platform order kept), then the rest. */
    private static final List<ClDevices.Entry> ALL = List.of(
            entry("NVIDIA CUDA", 0, "NVIDIA A100-SXM4-40GB", Type.GPU),
            entry("NVIDIA CUDA", 1, "NVIDIA GeForce RTX 3090", Type.GPU),
            entry("Portable Computing Language", 0, "pthread-skylake-avx512-AMD EPYC", Type.CPU));

    @Test
    void selectsByIndexPlatformAndName() {
        assertEquals(1, ClDevices.select(ALL, "opencl:1"));
        assertEquals(2, ClDevices.select(ALL, "2"));
        assertEquals(2, ClDevices.select(ALL, "pocl:0"), "the ICD's short name");
        assertEquals(2, ClDevices.select(ALL, "Portable:0"));
        assertEquals(1, ClDevices.select(ALL, "nvidia cuda:1"));
        assertEquals(1, ClDevices.select(ALL, "rtx 3090"), "a substring of the device name, any case");
        assertEquals(0, ClDevices.select(ALL, "A100"));
    }

    @Test
    void orderedMovesTheChosenDeviceToIndexZero() {
        List<ClDevices.Entry> o = ClDevices.ordered(ALL, "pocl:0");
        assertEquals("pthread-skylake-avx512-AMD EPYC", o.get(0).info().name());
        assertEquals("NVIDIA A100-SXM4-40GB", o.get(1).info().name());
        assertEquals(ALL, ClDevices.ordered(ALL, null), "no property: default order");
    }

    @Test
    void unknownDeviceListsWhatExists() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClDevices.select(ALL, "radeon"));
        assertEquals("opencl: no device matches 'radeon' (diffusion4j.opencl.device / DIFFUSION4J_OPENCL_DEVICE); available: "
                + "opencl:0 = NVIDIA CUDA:0 'NVIDIA A100-SXM4-40GB' (GPU); opencl:1 = NVIDIA CUDA:1 'NVIDIA GeForce RTX 3090' (GPU); "
                + "opencl:2 = Portable Computing Language:0 'pthread-skylake-avx512-AMD EPYC' (CPU)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClDevices.select(ALL, "opencl:3"));
        assertThrows(IllegalArgumentException.class, () -> ClDevices.select(ALL, "pocl:1"));
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> ClDevices.select(List.of(), "pocl:0"));
        assertEquals(true, none.getMessage().endsWith("available: none"), none.getMessage());
    }
}
