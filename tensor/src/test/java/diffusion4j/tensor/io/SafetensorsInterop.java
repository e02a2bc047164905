package diffusion4j.tensor.io;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java half of {@code tools/data/check_safetensors_interop.py}: {@code write FILE} writes the
 * tensors the script expects; {@code check FILE EXPECTED.json} reads a torch-written file and
 * compares every element's float32 bits with the ones torch computed. Exit status 1 on mismatch.
 */
public final class SafetensorsInterop {
    private SafetensorsInterop() {}

    /** The tensors {@code write} produces; the script computes the same values with numpy float32. */
    static Map<String, Tensor> javaTensors() {
        float[] ramp = new float[24];
        for (int i = 0; i < ramp.length; i++) ramp[i] = i * 0.37f - 5f;
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("ramp", Tensor.of(Device.REFERENCE, ramp, 2, 3, 4));
        t.put("specials", Tensor.of(Device.REFERENCE, new float[] {Float.NaN, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, -0f, Float.MIN_VALUE, Float.MAX_VALUE}, 6));
        t.put("scalar", Tensor.scalar(Device.REFERENCE, 3.5f));
        t.put("empty", Tensor.zeros(Device.REFERENCE, 0, 2));
        return t;
    }

    static Map<String, String> javaMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("writer", "diffusion4j");
        m.put("note", "\u00e9 \"quoted\"");
        return m;
    }

    /** Differences between {@code file}'s tensors and the expected shapes and bits (empty when they agree). */
    static List<String> compare(Map<String, Tensor> got, Map<String, String> meta, String expectedJson) {
        Map<?, ?> want = (Map<?, ?>) Json.parse(expectedJson);
        List<String> problems = new java.util.ArrayList<>();
        if (!want.get("metadata").equals(meta)) problems.add("metadata " + meta + " != " + want.get("metadata"));
        Map<?, ?> tensors = (Map<?, ?>) want.get("tensors");
        if (!List.copyOf(tensors.keySet()).equals(List.copyOf(got.keySet()))) {
            problems.add("names " + got.keySet() + " != " + tensors.keySet());
        }
        for (Map.Entry<?, ?> e : tensors.entrySet()) {
            Tensor t = got.get((String) e.getKey());
            Map<?, ?> w = (Map<?, ?>) e.getValue();
            int[] shape = ((List<?>) w.get("shape")).stream().mapToInt(n -> (int) ((Json.Num) n).longValueExact()).toArray();
            int[] bits = ((List<?>) w.get("bits")).stream().mapToInt(n -> (int) ((Json.Num) n).longValueExact()).toArray();
            if (t == null || !Arrays.equals(shape, t.shape())) {
                problems.add(e.getKey() + ": shape " + (t == null ? "missing" : Arrays.toString(t.shape())) + " != " + Arrays.toString(shape));
                continue;
            }
            float[] v = t.toFloatArray();
            for (int i = 0; i < v.length; i++) {
                if (Float.floatToRawIntBits(v[i]) != bits[i]) {
                    problems.add(e.getKey() + "[" + i + "] = " + v[i] + ", torch says " + Float.intBitsToFloat(bits[i]));
                }
            }
        }
        return problems;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("write")) {
            Safetensors.write(Path.of(args[1]), javaTensors(), javaMetadata());
            return;
        }
        if (args.length == 3 && args[0].equals("check")) {
            Path file = Path.of(args[1]);
            List<String> problems = compare(Safetensors.read(file, Device.REFERENCE), Safetensors.readMetadata(file),
                    Files.readString(Path.of(args[2])));
            problems.forEach(System.out::println);
            System.out.println(problems.isEmpty() ? "Java read " + file + ": every element matches torch" : "MISMATCH");
            System.exit(problems.isEmpty() ? 0 : 1);
        }
        System.err.println("usage: SafetensorsInterop write FILE | check FILE EXPECTED.json");
        System.exit(2);
    }
}
