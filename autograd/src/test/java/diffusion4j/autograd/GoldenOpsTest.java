package diffusion4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import diffusion4j.tensor.Backends;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.io.Safetensors;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Forward outputs and input gradients against PyTorch (float64), on every backend present. The
 * fixture file comes from {@code tools/fixtures/make_fixtures.py}; each case there has a
 * counterpart of the same name in {@link GoldenCases} building the same computation.
 */
class GoldenOpsTest {
    /** Float32 kernels against float64 torch: errors are rounding only, well below this. */
    private static final double ATOL = 2e-4, RTOL = 2e-4;

    static Path fixture() {
        try {
            return Path.of(GoldenOpsTest.class.getResource("/fixtures/ops.safetensors").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyFixtureCaseHasAJavaCounterpartAndBack() throws IOException {
        TreeSet<String> inFile = new TreeSet<>();
        for (String key : Safetensors.read(fixture(), Device.REFERENCE).keySet()) inFile.add(key.substring(0, key.indexOf('.')));
        assertEquals(new TreeSet<>(GoldenCases.ALL.keySet()), inFile, "cases in ops.safetensors vs GoldenCases");
    }

    @TestFactory
    Stream<DynamicTest> matchesPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Device device : Backends.available()) {
            Map<String, Tensor> all = Safetensors.read(fixture(), device);
            for (var e : GoldenCases.ALL.entrySet()) {
                tests.add(DynamicTest.dynamicTest(e.getKey() + " on " + device, () -> check(e.getKey(), e.getValue(), all)));
            }
        }
        return tests.stream();
    }

    private static void check(String name, GoldenCases.Case c, Map<String, Tensor> all) {
        Map<String, Variable> in = new LinkedHashMap<>();
        Map<String, Tensor> consts = new LinkedHashMap<>();
        String p = name + ".";
        for (var e : all.entrySet()) {
            if (e.getKey().startsWith(p + "in.")) in.put(e.getKey().substring(p.length() + 3), Variable.parameter(e.getValue()));
            if (e.getKey().startsWith(p + "const.")) consts.put(e.getKey().substring(p.length() + 6), e.getValue());
        }
        Variable out = c.build(in, consts);
        assertClose(name + " forward", all.get(p + "out"), out.data());
        out.backward(all.get(p + "dout"), false);
        for (var e : in.entrySet()) {
            Tensor expected = all.get(p + "grad." + e.getKey());
            Tensor actual = e.getValue().grad();
            if (actual == null) actual = Tensor.zeros(expected.device(), expected.shape());
            assertClose(name + " gradient of " + e.getKey(), expected, actual);
        }
    }

    static void assertClose(String what, Tensor expected, Tensor actual) {
        assertNotNull(expected, what + ": missing in the fixture");
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape " + Shapes.format(actual.shape()));
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        double scale = 0;
        for (float v : e) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < e.length; i++) {
            double tol = ATOL * Math.max(1, scale) + RTOL * Math.abs(e[i]);
            if (!(Math.abs(e[i] - a[i]) <= tol)) {
                fail(what + ": element " + i + " expected " + e[i] + " but was " + a[i] + " (tolerance " + tol + ")");
            }
        }
    }

    /** Convenience for GoldenCases. */
    static ConvParams conv(int stride, int pad, int dil, int groups) {
        return ConvParams.of(stride, pad, dil, groups);
    }
}
