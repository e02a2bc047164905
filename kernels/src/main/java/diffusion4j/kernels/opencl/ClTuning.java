package diffusion4j.kernels.opencl;

import java.util.Map;
import java.util.TreeMap;

/**
 * Work-group sizes and tiles per device, from a small table keyed by device type and vendor
 * (not fixed for POCL): GPUs want wide work-groups and big local tiles; a CPU device runs a
 * work-group as one thread's loop, so small groups and no local-memory staging cost less.
 * Every value is clamped to the device's limits and can be overridden for experiments with the
 * system property {@code diffusion4j.opencl.tune.<key>}.
 *
 * <p>Keys (light ops, Engineer A): {@code wg} (1-D elementwise work-group), {@code reduce.wg}
 * (work-group of a reduction / softmax row). Heavy ops (Engineer B): {@code matmul.ts} (tile edge),
 * {@code matmul.wpt} (outputs per work-item along one edge), {@code attention.bq}, {@code attention.bk}
 * (query and key tile rows), {@code norm.wg}.
 */
public final class ClTuning {
    private final Map<String, Integer> values;

    private ClTuning(Map<String, Integer> values) {
        this.values = values;
    }

    /** The table row for {@code info}, clamped to its limits, with system-property overrides applied. */
    static ClTuning forDevice(ClDeviceInfo info) {
        Map<String, Integer> v = new TreeMap<>();
        String vendor = info.vendor().toLowerCase(java.util.Locale.ROOT);
        switch (info.type()) {
            case GPU -> {
                boolean nvidia = vendor.contains("nvidia");
                v.put("wg", 256);
                v.put("reduce.wg", 256);
                v.put("matmul.ts", nvidia ? 64 : 32);
                v.put("matmul.wpt", nvidia ? 8 : 4);
                v.put("attention.bq", 64);
                v.put("attention.bk", 64);
                v.put("norm.wg", 256);
            }
            case CPU, OTHER -> {
                v.put("wg", 64);
                v.put("reduce.wg", 64);
                v.put("matmul.ts", 32);
                v.put("matmul.wpt", 4);
                v.put("attention.bq", 16);
                v.put("attention.bk", 32);
                v.put("norm.wg", 64);
            }
        }
        for (String k : v.keySet()) {
            String o = System.getProperty("diffusion4j.opencl.tune." + k);
            if (o != null && !o.isBlank()) v.put(k, Integer.parseInt(o.trim()));
        }
        // Work-group sizes never exceed the device limit (a launch would fail with CL_INVALID_WORK_GROUP_SIZE).
        for (String k : new String[] {"wg", "reduce.wg", "norm.wg"}) v.put(k, Math.min(v.get(k), info.maxWorkGroup()));
        return new ClTuning(v);
    }

    /** The value of {@code key}; an error lists the known keys. */
    public int get(String key) {
        Integer v = values.get(key);
        if (v == null) throw new IllegalArgumentException("opencl tuning: no key '" + key + "'; known: " + values.keySet());
        return v;
    }

    /** 1-D work-group size of elementwise kernels. */
    public int workGroup() {
        return get("wg");
    }

    /** Work-group size of reductions (a power of two: the local tree halves it). */
    public int reduceWorkGroup() {
        return Integer.highestOneBit(get("reduce.wg"));
    }

    @Override public String toString() {
        return "ClTuning" + values;
    }
}
