package diffusion4j.kernels.opencl;

import static org.jocl.CL.CL_CONTEXT_PLATFORM;
import static org.jocl.CL.CL_MEM_COPY_HOST_PTR;
import static org.jocl.CL.CL_MEM_READ_ONLY;
import static org.jocl.CL.CL_TRUE;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clCreateCommandQueueWithProperties;
import static org.jocl.CL.clCreateContext;
import static org.jocl.CL.clCreateKernel;
import static org.jocl.CL.clEnqueueFillBuffer;
import static org.jocl.CL.clEnqueueNDRangeKernel;
import static org.jocl.CL.clEnqueueReadBuffer;
import static org.jocl.CL.clEnqueueWriteBuffer;
import static org.jocl.CL.clFinish;
import static org.jocl.CL.clReleaseMemObject;
import static org.jocl.CL.clSetKernelArg;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_queue_properties;

/**
 * One OpenCL device opened for compute: its context, one in-order command queue, the program
 * cache, the buffer pool and the tuning row. Every kernel of every op is enqueued on the one
 * queue, so consecutive kernels of a computation chain on the device with no host round-trip; the
 * host waits only in {@link #read} (a blocking read after everything queued before it).
 *
 * <p>Thread-safe: launches are serialized (a {@code cl_kernel}'s arguments are shared state).
 */
public final class ClRuntime {
    private final ClDeviceInfo info;
    private final cl_context context;
    private final cl_device_id device;
    private final cl_command_queue queue;
    private final ProgramCache programs;
    private final BufferPool pool;
    private final ClTuning tuning;
    private final Map<KernelKey, cl_kernel> kernels = new HashMap<>();

    private record KernelKey(String file, String generated, String name, String options) {}

    ClRuntime(ClDevices.Entry e, Path cacheDir) {
        this.info = e.info();
        this.device = e.device();
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, e.platform());
        this.context = clCreateContext(props, 1, new cl_device_id[] {device}, null, null, null);
        this.queue = clCreateCommandQueueWithProperties(context, device, new cl_queue_properties(), null);
        SignalHandlers.restore(); // a driver may start its compiler with the context
        this.programs = new ProgramCache(context, device, info, cacheDir);
        this.pool = new BufferPool(context, info.name(), Math.min(info.globalMemBytes() / 4, 4L << 30));
        this.tuning = ClTuning.forDevice(info);
    }

    public ClDeviceInfo info() {
        return info;
    }

    public ClTuning tuning() {
        return tuning;
    }

    /** A pooled storage of {@code floats} elements; contents undefined. */
    public ClStorage allocate(int floats) {
        if (floats < 0) throw new IllegalArgumentException("allocate: negative length " + floats);
        // A zero-length cl_mem is invalid; an empty storage still owns a 4-byte buffer.
        return new ClStorage(pool, pool.acquire(4L * Math.max(1, floats)), floats);
    }

    /** A pooled storage of {@code floats} zeros. */
    public ClStorage zeros(int floats) {
        return full(floats, 0f);
    }

    /** A pooled storage of {@code floats} copies of {@code value}. */
    public ClStorage full(int floats, float value) {
        ClStorage s = allocate(floats);
        if (floats > 0) {
            synchronized (this) {
                clEnqueueFillBuffer(queue, s.mem(), Pointer.to(new float[] {value}), Sizeof.cl_float, 0, 4L * floats, 0, null, null);
            }
        }
        return s;
    }

    /** A storage holding a copy of {@code data}. */
    public ClStorage upload(float[] data) {
        ClStorage s = allocate(data.length);
        if (data.length > 0) {
            synchronized (this) {
                clEnqueueWriteBuffer(queue, s.mem(), CL_TRUE, 0, 4L * data.length, Pointer.to(data), 0, null, null);
            }
        }
        return s;
    }

    /** Overwrites the first {@code data.length} elements of {@code s} with {@code data}. */
    void write(ClStorage s, float[] data) {
        if (data.length == 0) return;
        synchronized (this) {
            clEnqueueWriteBuffer(queue, s.mem(), CL_TRUE, 0, 4L * data.length, Pointer.to(data), 0, null, null);
        }
    }

    /** Elements {@code [offset, offset+n)} of {@code s}; waits for every kernel queued before. */
    public float[] read(ClStorage s, int offset, int n) {
        float[] out = new float[n];
        if (n > 0) {
            synchronized (this) {
                clEnqueueReadBuffer(queue, s.mem(), CL_TRUE, 4L * offset, 4L * n, Pointer.to(out), 0, null, null);
            }
        }
        return out;
    }

    /** A one-int storage holding {@code value} (device flags, e.g. the first bad index). */
    ClStorage intCell(int value) {
        ClStorage s = allocate(1);
        synchronized (this) {
            clEnqueueWriteBuffer(queue, s.mem(), CL_TRUE, 0, Sizeof.cl_int, Pointer.to(new int[] {value}), 0, null, null);
        }
        return s;
    }

    /** The int in element 0 of {@code s}; waits for every kernel queued before. */
    int readInt(ClStorage s) {
        int[] v = new int[1];
        synchronized (this) {
            clEnqueueReadBuffer(queue, s.mem(), CL_TRUE, 0, Sizeof.cl_int, Pointer.to(v), 0, null, null);
        }
        return v[0];
    }

    /** Kernel {@code kernelName} of resource {@code clFile} built with {@code buildOptions}; compiled once per process (and cached on disk). */
    public cl_kernel kernel(String clFile, String kernelName, String buildOptions) {
        return kernel(clFile, "", kernelName, buildOptions);
    }

    /** As {@link #kernel(String, String, String)}, with {@code generated} OpenCL code appended to the resource. */
    synchronized cl_kernel kernel(String clFile, String generated, String kernelName, String buildOptions) {
        KernelKey key = new KernelKey(clFile, generated, kernelName, buildOptions);
        cl_kernel k = kernels.get(key);
        if (k == null) {
            k = clCreateKernel(programs.program(clFile, generated, buildOptions), kernelName, null);
            kernels.put(key, k);
        }
        return k;
    }

    /**
     * Enqueues {@code k} over {@code global} work-items in groups of {@code local} (null: the driver
     * picks). Each global size is rounded up to a multiple of its local size, so kernels guard
     * their index against the real extent. Arguments in order: {@link ClStorage} (its buffer),
     * {@code cl_mem}, Integer, Float, Long, {@link LocalBytes} (a {@code __local} buffer), or
     * {@code int[]} (a small read-only buffer, e.g. shape and strides, freed once the kernel ran).
     * Out of device resources at enqueue empties the buffer pool and retries once.
     */
    public synchronized void launch(cl_kernel k, long[] global, long[] local, Object... args) {
        long[] g = global.clone();
        for (long x : g) if (x == 0) return; // nothing to do; a zero range is an error in OpenCL
        if (local != null) {
            for (int i = 0; i < g.length; i++) g[i] = (g[i] + local[i] - 1) / local[i] * local[i];
        }
        List<cl_mem> transients = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) setArg(k, i, args[i], transients);
            try {
                clEnqueueNDRangeKernel(queue, k, g.length, null, g, local, 0, null, null);
            } catch (CLException e) {
                if (!BufferPool.isOutOfMemory(e.getStatus())) throw e;
                pool.trim();
                clEnqueueNDRangeKernel(queue, k, g.length, null, g, local, 0, null, null);
            }
        } finally {
            // Released only after the enqueue: the queued command holds its own reference until it has run.
            for (cl_mem m : transients) clReleaseMemObject(m);
        }
    }

    private void setArg(cl_kernel k, int i, Object a, List<cl_mem> transients) {
        switch (a) {
            case ClStorage s -> clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(s.mem()));
            case cl_mem m -> clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(m));
            case Integer v -> clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[] {v}));
            case Float v -> clSetKernelArg(k, i, Sizeof.cl_float, Pointer.to(new float[] {v}));
            case Long v -> clSetKernelArg(k, i, Sizeof.cl_long, Pointer.to(new long[] {v}));
            case LocalBytes l -> clSetKernelArg(k, i, l.bytes(), null);
            case int[] v -> {
                int[] data = v.length == 0 ? new int[1] : v;
                cl_mem m = clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, 4L * data.length, Pointer.to(data), null);
                transients.add(m);
                clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(m));
            }
            case null -> throw new IllegalArgumentException("opencl: kernel argument " + i + " is null");
            default -> throw new IllegalArgumentException("opencl: kernel argument " + i + " has unsupported type " + a.getClass().getName());
        }
    }

    /** Waits until every queued command has run. */
    public synchronized void finish() {
        clFinish(queue);
    }

    ProgramCache programs() { return programs; }
    BufferPool pool() { return pool; }
    cl_context context() { return context; }
    cl_device_id device() { return device; }

    @Override public String toString() {
        return "ClRuntime(" + info + ")";
    }
}
