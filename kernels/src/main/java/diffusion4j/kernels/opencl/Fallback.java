package diffusion4j.kernels.opencl;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Backend.AdamOutput;
import diffusion4j.tensor.Backend.AttentionGrads;
import diffusion4j.tensor.Backend.AttentionOutput;
import diffusion4j.tensor.Backend.NormGrads;
import diffusion4j.tensor.Backend.NormOutput;
import diffusion4j.tensor.Backends;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The explicit CPU route: an op the OpenCL backend lacks (or one forced here) downloads its
 * inputs, runs on the CPU backend, and uploads the result, and says so once per op in the log:
 * "opencl: &lt;op&gt; runs on the CPU backend (not implemented for OpenCL)". Never silent, never a stub.
 *
 * <p>Every Backend op has an OpenCL kernel today; the route stays as a tested feature for new ops
 * and for diagnosis: the system property {@code diffusion4j.opencl.cpuOps} (comma-separated
 * Backend method names, e.g. "matmul,softmax") forces ops onto the CPU, so a suspected kernel bug
 * can be bisected without rebuilding.
 */
final class Fallback {
    private static final System.Logger LOG = System.getLogger("diffusion4j.opencl");

    private final ClRuntime rt;
    private final Set<String> forced = ConcurrentHashMap.newKeySet();
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    Fallback(ClRuntime rt) {
        this.rt = rt;
        String p = System.getProperty("diffusion4j.opencl.cpuOps", "");
        Arrays.stream(p.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(forced::add);
    }

    /** Whether {@code op} (a Backend method name) goes to the CPU. */
    boolean routes(String op) {
        return forced.contains(op);
    }

    /** Test hook: routes {@code op} to the CPU from now on (or back to OpenCL). */
    void force(String op, boolean cpu) {
        if (cpu) forced.add(op);
        else forced.remove(op);
    }

    /** Runs {@code f} on the CPU backend, logging the op's name the first time. */
    <R> R run(String op, Function<Backend, R> f) {
        if (logged.add(op)) {
            LOG.log(System.Logger.Level.WARNING, "opencl: " + op + " runs on the CPU backend (not implemented for OpenCL)");
        }
        return f.apply(cpu());
    }

    /** {@link #run} for an op with one storage result, uploaded back to the device. */
    Storage storage(String op, Function<Backend, Storage> f) {
        return device(run(op, f));
    }

    NormOutput norm(String op, Function<Backend, NormOutput> f) {
        NormOutput o = run(op, f);
        return new NormOutput(device(o.y()), device(o.mean()), device(o.rstd()));
    }

    NormGrads normGrads(String op, Function<Backend, NormGrads> f) {
        NormGrads g = run(op, f);
        return new NormGrads(device(g.dx()), device(g.dgamma()), device(g.dbeta()));
    }

    AttentionOutput attention(String op, Function<Backend, AttentionOutput> f) {
        AttentionOutput o = run(op, f);
        return new AttentionOutput(device(o.out()), device(o.lse()));
    }

    AttentionGrads attentionGrads(String op, Function<Backend, AttentionGrads> f) {
        AttentionGrads g = run(op, f);
        return new AttentionGrads(device(g.dq()), device(g.dk()), device(g.dv()));
    }

    AdamOutput adam(String op, Function<Backend, AdamOutput> f) {
        AdamOutput o = run(op, f);
        return new AdamOutput(device(o.w()), device(o.m()), device(o.v()));
    }

    /** A dense CPU copy of a device tensor (null stays null). */
    Tensor host(Tensor t) {
        return t == null ? null : Tensor.wrap(new HeapStorage(ClMemory.download(rt, t)), t.shape(), cpu());
    }

    /** The whole of a device storage on the CPU, for ops that write into one (copyInto). */
    HeapStorage host(Storage s) {
        ClStorage c = ClStorage.of(s);
        return new HeapStorage(rt.read(c, 0, c.length()));
    }

    Storage device(Storage s) {
        return s == null ? null : rt.upload(HeapStorage.of(s));
    }

    private static Backend cpu() {
        return Backends.get(Device.CPU);
    }
}
