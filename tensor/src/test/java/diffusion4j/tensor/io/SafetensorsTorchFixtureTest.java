package diffusion4j.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file written from torch 1.13 tensors (F32, F16, BF16) and the float32 bits torch gets when it
 * widens them, both printed by {@code tools/data/check_safetensors_interop.py --print-fixture}.
 * Java's reader must reproduce torch's widening bit for bit.
 */
class SafetensorsTorchFixtureTest {
    private static final String FILE = "4AAAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJmcmFtZXdvcmsiOiJ0b3JjaCAxLjEzLjBhMCJ9LCJmMzIiOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzIsM10sImRhdGFfb2Zmc2V0cyI6WzAsMjRdfSwiZjE2Ijp7ImR0eXBlIjoiRjE2Iiwic2hhcGUiOls1XSwiZGF0YV9vZmZzZXRzIjpbMjQsMzRdfSwiYmYxNiI6eyJkdHlwZSI6IkJGMTYiLCJzaGFwZSI6WzIsMl0sImRhdGFfb2Zmc2V0cyI6WzM0LDQyXX19IB8w7D7XxIBAO9ghwWW2CkBq7cPAyiehQAA8AMH/ewEAGRQ7cAxxWPDccQ==";
    private static final String EXPECTED = """
            {"metadata": {"framework": "torch 1.13.0a0"}, "tensors": {"f32": {"shape": [2, 3], "bits": [1055666207, 1082180823, \
            3240220731, 1074443877, 3234065770, 1084303306]}, "f16": {"shape": [5], "bits": [1065353216, 3223322624, 1199562752, \
            864026624, 981671936]}, "bf16": {"shape": [2, 2], "bits": [1882914816, 1896611840, 4032299008, 1910243328]}}}""";

    @TempDir Path dir;

    @Test void readsTorchWrittenFileBitForBit() throws Exception {
        Path f = Files.write(dir.resolve("torch.safetensors"), Base64.getDecoder().decode(FILE));
        Map<String, Tensor> t = Safetensors.read(f, Device.REFERENCE);
        assertEquals(List.of(), SafetensorsInterop.compare(t, Safetensors.readMetadata(f), EXPECTED));
        // Spot values decoded by hand: F16 0x3C00 = 1.0, 0xC100 = -2.5, 0x7BFF = 65504, 0x0001 = 2^-24.
        assertEquals(List.of(1f, -2.5f, 65504f, 0x1p-24f), List.of(t.get("f16").get(0), t.get("f16").get(1),
                t.get("f16").get(2), t.get("f16").get(3)));
    }
}
