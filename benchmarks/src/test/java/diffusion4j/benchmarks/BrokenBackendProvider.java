package diffusion4j.benchmarks;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.BackendProvider;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.reference.ReferenceBackend;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * A test-only device, {@code broken}: the reference backend, except that the ops named in
 * {@link #CORRUPT} return a result whose last element is wrong. The benchmarks' validation must
 * refuse to time it. Only the last element is touched, so the check must look at the tail (the last
 * rows, sample or channels), not just the first slice.
 */
public final class BrokenBackendProvider implements BackendProvider {
    static final Device BROKEN = new Device("broken", 0);

    /** Names of {@link Backend} methods whose outputs get corrupted. */
    static final Set<String> CORRUPT = new CopyOnWriteArraySet<>();

    /** The name of the last {@link Backend} method called on this device: tests check timed methods end with "synchronize". */
    static volatile String lastCall;

    @Override public List<Device> devices() {
        return List.of(BROKEN);
    }

    @Override public Backend open(Device device) {
        Backend real = new ReferenceBackend();
        InvocationHandler h = (proxy, method, args) -> {
            lastCall = method.getName();
            if (method.getName().equals("device")) return BROKEN;
            if (method.getName().equals("name")) return "broken";
            Object out;
            try {
                out = method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (CORRUPT.contains(method.getName())) corrupt(out);
            return out;
        };
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, h);
    }

    /** Moves the last element of the op's main output (y, dx, out, dq for the multi-output ops). */
    private static void corrupt(Object out) {
        Storage s = switch (out) {
            case Storage st -> st;
            case Backend.NormOutput n -> n.y();
            case Backend.NormGrads g -> g.dx();
            case Backend.AttentionOutput a -> a.out();
            case Backend.AttentionGrads g -> g.dq();
            default -> throw new IllegalArgumentException("cannot corrupt " + out);
        };
        float[] d = HeapStorage.of(s);
        d[d.length - 1] += 1 + 2 * Math.abs(d[d.length - 1]);
    }
}
