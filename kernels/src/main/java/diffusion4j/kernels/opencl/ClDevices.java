package diffusion4j.kernels.opencl;

import static org.jocl.CL.CL_DEVICE_EXTENSIONS;
import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_LOCAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_DEVICE_VENDOR;
import static org.jocl.CL.CL_DRIVER_VERSION;
import static org.jocl.CL.CL_PLATFORM_NAME;
import static org.jocl.CL.clGetDeviceIDs;
import static org.jocl.CL.clGetDeviceInfo;
import static org.jocl.CL.clGetPlatformIDs;
import static org.jocl.CL.clGetPlatformInfo;

import diffusion4j.kernels.opencl.ClDeviceInfo.Type;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Device discovery and choice. Devices are numbered opencl:0..n-1 over every platform, GPUs first
 * (then the rest), each group in platform order; the system property
 * {@code diffusion4j.opencl.device} (or env {@code DIFFUSION4J_OPENCL_DEVICE}) moves the device it
 * names to index 0, so "the default OpenCL device" is always {@code opencl:0}.
 */
final class ClDevices {
    private ClDevices() {}

    /** One device and the handles needed to open it. */
    record Entry(cl_platform_id platform, cl_device_id device, int indexInPlatform, ClDeviceInfo info) {
        String describe(int index) {
            return "opencl:" + index + " = " + info.platform() + ":" + indexInPlatform + " '" + info.name() + "' (" + info.type() + ")";
        }
    }

    /**
     * Every OpenCL device, in default order. Throws (LinkageError when the JOCL natives or the ICD
     * loader cannot load, CLException when no platform exists) so the provider can say why.
     */
    static List<Entry> discover() {
        CL.setExceptionsEnabled(true);
        int[] n = new int[1];
        clGetPlatformIDs(0, null, n);
        cl_platform_id[] platforms = new cl_platform_id[n[0]];
        clGetPlatformIDs(platforms.length, platforms, null);
        List<Entry> all = new ArrayList<>();
        for (cl_platform_id p : platforms) {
            String pname = string(p, CL_PLATFORM_NAME);
            int[] nd = new int[1];
            try {
                clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, null, nd);
            } catch (CLException e) {
                continue; // a platform without devices (CL_DEVICE_NOT_FOUND) contributes none
            }
            cl_device_id[] devs = new cl_device_id[nd[0]];
            clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, devs.length, devs, null);
            for (int i = 0; i < devs.length; i++) all.add(new Entry(p, devs[i], i, info(pname, devs[i])));
        }
        all.sort(Comparator.comparingInt(e -> e.info().type() == Type.GPU ? 0 : 1)); // stable: platform order kept
        return all;
    }

    /** The selection property, or null when unset. */
    static String requested() {
        String s = System.getProperty("diffusion4j.opencl.device");
        if (s == null || s.isBlank()) s = System.getenv("DIFFUSION4J_OPENCL_DEVICE");
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** {@code all} with the device {@code spec} names moved to the front; {@code all} itself when spec is null. */
    static List<Entry> ordered(List<Entry> all, String spec) {
        if (spec == null) return all;
        int i = select(all, spec);
        List<Entry> out = new ArrayList<>(all);
        out.addFirst(out.remove(i));
        return out;
    }

    /**
     * The index in {@code all} of the device {@code spec} names: "opencl:N" or "N" (an index),
     * "platform:N" (a substring of a platform name and the device's index in it, e.g. "pocl:0"),
     * or a substring of a device name ("A100"). Case-insensitive; an error lists what exists.
     */
    static int select(List<Entry> all, String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        int colon = s.lastIndexOf(':');
        if (colon >= 0 && isInt(s.substring(colon + 1))) {
            String head = s.substring(0, colon);
            int idx = Integer.parseInt(s.substring(colon + 1));
            if (head.equals("opencl")) {
                if (idx < all.size()) return idx;
            } else {
                for (int i = 0; i < all.size(); i++) {
                    Entry e = all.get(i);
                    if (e.indexInPlatform() == idx && platformMatches(e.info().platform(), head)) return i;
                }
            }
        } else if (isInt(s)) {
            int idx = Integer.parseInt(s);
            if (idx < all.size()) return idx;
        } else {
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i).info().name().toLowerCase(Locale.ROOT).contains(s)) return i;
            }
        }
        throw new IllegalArgumentException("opencl: no device matches '" + spec + "' (diffusion4j.opencl.device / "
                + "DIFFUSION4J_OPENCL_DEVICE); available: " + describe(all));
    }

    /** "pocl" matches "Portable Computing Language" too: the ICD's short names are what people type. */
    private static boolean platformMatches(String platform, String head) {
        String p = platform.toLowerCase(Locale.ROOT);
        if (p.contains(head)) return true;
        StringBuilder initials = new StringBuilder();
        for (String w : p.split("\\s+")) if (!w.isEmpty()) initials.append(w.charAt(0));
        return head.equals("pocl") && initials.toString().equals("pcl");
    }

    static String describe(List<Entry> all) {
        if (all.isEmpty()) return "none";
        List<String> d = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) d.add(all.get(i).describe(i));
        return String.join("; ", d);
    }

    private static boolean isInt(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit) && s.length() < 9;
    }

    private static ClDeviceInfo info(String platform, cl_device_id d) {
        long type = longInfo(d, CL_DEVICE_TYPE);
        Type t = (type & CL_DEVICE_TYPE_GPU) != 0 ? Type.GPU : (type & CL_DEVICE_TYPE_CPU) != 0 ? Type.CPU : Type.OTHER;
        return new ClDeviceInfo(platform, string(d, CL_DEVICE_NAME), string(d, CL_DEVICE_VENDOR), string(d, CL_DRIVER_VERSION), t,
                (int) Math.min(Integer.MAX_VALUE, sizeInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE)), longInfo(d, CL_DEVICE_LOCAL_MEM_SIZE),
                longInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE), intInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS),
                string(d, CL_DEVICE_EXTENSIONS).contains("cl_khr_fp64"));
    }

    private static String string(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, b.length, Pointer.to(b), null);
        return text(b);
    }

    private static String string(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, b.length, Pointer.to(b), null);
        return text(b);
    }

    private static String text(byte[] b) {
        int n = b.length;
        while (n > 0 && b[n - 1] == 0) n--;
        return new String(b, 0, n, StandardCharsets.UTF_8).strip();
    }

    private static long longInfo(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    private static int intInfo(cl_device_id d, int param) {
        int[] v = new int[1];
        clGetDeviceInfo(d, param, Sizeof.cl_uint, Pointer.to(v), null);
        return v[0];
    }

    private static long sizeInfo(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.size_t, Pointer.to(v), null);
        return v[0];
    }
}
