package diffusion4j.nn;

import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static diffusion4j.nn.NnTesting.*;
import static org.junit.jupiter.api.Assertions.*;

/** Hierarchical names, state dicts (in memory and through a file), strict and lenient loading, modes. */
class ModuleStateTest {
    /** A two-level module: a block holding a conv and a norm, a linear head, and a buffer. */
    static final class Net extends Layer {
        final Sequential block;
        final Linear head;

        Net(long seed) {
            Generator g = new Generator(seed);
            block = registerModule("block", new Sequential(new Conv2d(1, 4, 3, 1, DEV, g), new GroupNorm(2, 4, DEV), new Dropout(0.1f, g)));
            head = registerModule("head", new Linear(4, 2, DEV, g));
            registerBuffer("scale", Tensor.full(DEV, 0.5f, 1));
        }

        @Override public Variable forward(Variable x) {
            return head.forward(block.forward(x).mean(new int[] {2, 3}, false)).mul(Variable.constant(buffer("scale")));
        }
    }

    @Test void namesFollowTheModuleTree() {
        Net net = new Net(1);
        assertEquals(List.of("block.0.weight", "block.0.bias", "block.1.weight", "block.1.bias", "head.weight", "head.bias"),
                List.copyOf(net.namedParameters().keySet()));
        // As in PyTorch: a module's own parameters and buffers come before its children's.
        assertEquals(List.of("scale", "block.0.weight", "block.0.bias", "block.1.weight", "block.1.bias", "head.weight", "head.bias"),
                List.copyOf(net.stateDict().keySet()));
        assertEquals(4 * 9 + 4 + 4 + 4 + 4 * 2 + 2, net.parameterCount());
        assertEquals(List.of("", "block", "block.0", "block.1", "block.2", "head"), List.copyOf(net.namedModules().keySet()));
    }

    @Test void roundTripThroughAFileReproducesTheOutput(@TempDir Path dir) throws Exception {
        Net a = new Net(1), b = new Net(2);
        a.eval();
        b.eval();
        Variable x = c(ramp(2 * 25, 0.1, -2), 2, 1, 5, 5);
        float[] ya = a.forward(x).data().toFloatArray();
        assertFalse(java.util.Arrays.equals(ya, b.forward(x).data().toFloatArray()), "different seeds must give different nets");
        Path file = dir.resolve("net.safetensors");
        a.save(file);
        assertTrue(Files.size(file) > 8);
        b.load(file);
        assertArrayEquals(ya, b.forward(x).data().toFloatArray());
        for (var e : a.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().toFloatArray(), b.stateDict().get(e.getKey()).toFloatArray(), e.getKey());
        }
    }

    @Test void strictLoadNamesMissingAndUnexpectedKeys() {
        Net net = new Net(1);
        LinkedHashMap<String, Tensor> state = net.stateDict();
        state.remove("head.bias");
        state.put("head.extra", Tensor.zeros(DEV, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.loadStateDict(state, true));
        assertTrue(e.getMessage().contains("Missing keys: [head.bias]"), e.getMessage());
        assertTrue(e.getMessage().contains("Unexpected keys: [head.extra]"), e.getMessage());

        Module.LoadResult r = net.loadStateDict(state, false);
        assertEquals(List.of("head.bias"), r.missing());
        assertEquals(List.of("head.extra"), r.unexpected());
    }

    @Test void shapeMismatchIsAnErrorEvenWhenLenientAndChangesNothing() {
        Net net = new Net(1);
        float[] before = net.head.weight().data().toFloatArray();
        Map<String, Tensor> state = new LinkedHashMap<>(new Net(5).stateDict());
        state.put("block.0.weight", Tensor.zeros(DEV, 4, 1, 5, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.loadStateDict(state, false));
        assertTrue(e.getMessage().contains("block.0.weight: checkpoint (4, 1, 5, 5), module (4, 1, 3, 3)"), e.getMessage());
        assertArrayEquals(before, net.head.weight().data().toFloatArray(), "a failed load must not touch the module");
    }

    @Test void loadingReplacesBuffers() {
        Net net = new Net(1);
        LinkedHashMap<String, Tensor> state = net.stateDict();
        state.put("scale", Tensor.full(DEV, 3f, 1));
        net.loadStateDict(state, true);
        assertEquals(3f, net.stateDict().get("scale").item());
    }

    @Test void trainAndEvalPropagateToChildren() {
        Net net = new Net(1);
        assertTrue(net.block.get(2).isTraining());
        net.eval();
        for (Module m : net.namedModules().values()) assertFalse(m.isTraining(), m.toString());
        net.train();
        for (Module m : net.namedModules().values()) assertTrue(m.isTraining(), m.toString());
    }

    @Test void registrationRejectsDuplicatesAndDots() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Layer() {
            {
                registerParameter("w", Tensor.zeros(DEV, 1));
                registerModule("w", new ReLU());
            }

            @Override public Variable forward(Variable x) { return x; }
        });
        assertTrue(e.getMessage().contains("'w' registered twice"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Layer() {
            { registerParameter("a.b", Tensor.zeros(DEV, 1)); }

            @Override public Variable forward(Variable x) { return x; }
        });
        assertTrue(e.getMessage().contains("without '.'"), e.getMessage());
    }
}
