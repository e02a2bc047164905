package diffusion4j.tensor.io;

import diffusion4j.tensor.Backend;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Tensor;
import java.lang.reflect.Proxy;

/** A backend whose every kernel fails, to make a write break halfway through. */
final class FailingBackend {
    private FailingBackend() {}

    private static final Backend BACKEND = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
            new Class<?>[] {Backend.class}, (proxy, method, args) -> switch (method.getName()) {
                case "name" -> "failing";
                case "device" -> new Device("failing", 0);
                case "toString" -> "FailingBackend";
                case "hashCode" -> 0;
                case "equals" -> proxy == args[0];
                default -> throw new IllegalStateException("device lost");
            });

    /** A tensor of {@code n} elements whose download throws {@code IllegalStateException("device lost")}. */
    static Tensor tensor(int n) {
        return Tensor.wrap(new HeapStorage(n), new int[] {n}, BACKEND);
    }
}
