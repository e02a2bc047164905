package diffusion4j.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jocl.CL.clCreateKernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jocl.cl_program;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The program cache: a second process (a fresh cache on the same directory) loads the binary
 * instead of compiling; a corrupt or foreign binary is rejected and rebuilt; a build error names
 * the file, the options and the compiler's complaint. Each program is run and its output checked,
 * so "loaded from disk" also means "computes the right thing".
 */
@ExtendWith(OpenClAvailable.class)
class ClProgramCacheTest {
    private static final String SOURCE = "__kernel void affine(__global float* x, int n) {\n"
            + "    int i = get_global_id(0);\n    if (i < n) x[i] = 2.0f * x[i] + OFFSET;\n}\n";
    private static final String OPTIONS = "-DOFFSET=1.0f";

    private final ClRuntime rt = OpenClAvailable.backend().runtime();

    private ProgramCache cache(Path dir) {
        return new ProgramCache(rt.context(), rt.device(), rt.info(), dir);
    }

    /** Runs the test program on {1, 2, 3}: 2x + 1 gives {3, 5, 7}. */
    private void assertComputes(cl_program p) {
        ClStorage x = rt.upload(new float[] {1, 2, 3});
        rt.launch(clCreateKernel(p, "affine", null), new long[] {3}, null, x, 3);
        assertArrayEquals(new float[] {3, 5, 7}, rt.read(x, 0, 3));
    }

    private static Path onlyBinary(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            List<Path> bins = s.filter(f -> f.toString().endsWith(".bin")).toList();
            assertEquals(1, bins.size(), "one cached binary in " + dir);
            return bins.get(0);
        }
    }

    @Test
    void secondBuildComesFromDisk(@TempDir Path dir) {
        ProgramCache first = cache(dir);
        assertComputes(first.build("affine.cl", SOURCE, OPTIONS));
        assertEquals(1, first.compiles());
        first.build("affine.cl", SOURCE, OPTIONS);
        assertEquals(1, first.memoryHits(), "same process: from memory");

        ProgramCache second = cache(dir); // as a new process would
        assertComputes(second.build("affine.cl", SOURCE, OPTIONS));
        assertEquals(1, second.diskHits());
        assertEquals(0, second.compiles(), "nothing compiled on the second run");

        second.build("affine.cl", SOURCE, "-DOFFSET=2.0f");
        assertEquals(1, second.compiles(), "other options are another program");
    }

    @Test
    void corruptBinaryIsRebuilt(@TempDir Path dir) throws IOException {
        cache(dir).build("affine.cl", SOURCE, OPTIONS);
        Path bin = onlyBinary(dir);
        byte[] b = Files.readAllBytes(bin);
        b[b.length - 10] ^= 0x5a; // a flipped byte in the binary: the stored hash no longer matches
        Files.write(bin, b);

        ProgramCache c = cache(dir);
        assertComputes(c.build("affine.cl", SOURCE, OPTIONS));
        assertEquals(1, c.rejectedBinaries());
        assertEquals(0, c.diskHits());
        assertEquals(1, c.compiles());
        assertEquals(0, cache(dir).compiles() + cache(dir).rejectedBinaries(), "the rebuilt binary replaced the bad one");
        ProgramCache again = cache(dir);
        again.build("affine.cl", SOURCE, OPTIONS);
        assertEquals(1, again.diskHits());
    }

    @Test
    void foreignBinaryWithAValidHashIsRebuilt(@TempDir Path dir) throws IOException {
        cache(dir).build("affine.cl", SOURCE, OPTIONS);
        Path bin = onlyBinary(dir);
        // A well-formed entry whose payload is not a program for this device: the hash passes, the driver refuses.
        byte[] junk = "not an OpenCL binary".getBytes(StandardCharsets.US_ASCII);
        byte[] magic = "diffusion4j-opencl-binary-v1\n".getBytes(StandardCharsets.US_ASCII);
        byte[] file = new byte[magic.length + 32 + junk.length];
        System.arraycopy(magic, 0, file, 0, magic.length);
        System.arraycopy(ProgramCache.sha256(junk), 0, file, magic.length, 32);
        System.arraycopy(junk, 0, file, magic.length + 32, junk.length);
        Files.write(bin, file);

        ProgramCache c = cache(dir);
        assertComputes(c.build("affine.cl", SOURCE, OPTIONS));
        assertEquals(1, c.rejectedBinaries());
        assertEquals(1, c.compiles());
    }

    @Test
    void buildErrorCarriesFileOptionsAndLog(@TempDir Path dir) {
        String broken = "__kernel void broken(__global float* x) { x[0] = undeclared_thing + WIDTH; }\n";
        ProgramCache.ClBuildException e = assertThrows(ProgramCache.ClBuildException.class,
                () -> cache(dir).build("broken.cl", broken, "-DWIDTH=4"));
        String m = e.getMessage();
        assertTrue(m.startsWith("opencl: building broken.cl with options '-DWIDTH=4' failed on " + rt.info().name()), m);
        assertTrue(m.contains("undeclared_thing"), "the compiler log names the bad identifier: " + m);
    }

    @Test
    void includesAreExpandedFromResources() {
        String s = ProgramCache.expand("reduce.cl", 0);
        assertTrue(s.contains("inline int d4j_offset"), "layout.cl inlined");
        assertTrue(s.contains("inline float d4j_group_reduce"), "group.cl inlined");
        assertTrue(s.lines().noneMatch(l -> l.startsWith("#include")), "no include line left for the driver");
    }
}
