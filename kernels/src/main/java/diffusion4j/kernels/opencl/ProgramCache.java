package diffusion4j.kernels.opencl;

import static org.jocl.CL.CL_PROGRAM_BINARIES;
import static org.jocl.CL.CL_PROGRAM_BINARY_SIZES;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;
import static org.jocl.CL.clBuildProgram;
import static org.jocl.CL.clCreateProgramWithBinary;
import static org.jocl.CL.clCreateProgramWithSource;
import static org.jocl.CL.clGetProgramBuildInfo;
import static org.jocl.CL.clGetProgramInfo;
import static org.jocl.CL.clReleaseProgram;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_program;

/**
 * Builds each (source, options) once per process and keeps the device binary on disk, so a second
 * run starts without compiling (a build costs 0.1-1 s per program on POCL, more on some GPU drivers).
 *
 * <p>Sources are {@code .cl} resources under {@code diffusion4j/opencl/}; a line
 * {@code #include "name.cl"} is replaced by that resource, so the driver never needs an include
 * path and the hash covers every byte compiled. A launcher may append generated code (the
 * elementwise op table) to a resource.
 *
 * <p>Disk entries are named by a SHA-256 of device name, driver version, source and options.
 * Each file holds a magic line, the SHA-256 of the binary, then the binary: a truncated or foreign
 * file fails the hash and a binary the driver rejects fails its build; either way the entry is
 * deleted and rebuilt from source, never trusted blindly.
 */
final class ProgramCache {
    private static final System.Logger LOG = System.getLogger("diffusion4j.opencl");
    private static final byte[] MAGIC = "diffusion4j-opencl-binary-v1\n".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern INCLUDE = Pattern.compile("(?m)^#include \"([A-Za-z0-9_.]+)\"\\s*$");
    static final String RESOURCES = "/diffusion4j/opencl/";

    private final cl_context context;
    private final cl_device_id device;
    private final ClDeviceInfo info;
    private final Path dir;
    private final Map<String, cl_program> programs = new ConcurrentHashMap<>();
    private int memoryHits, diskHits, compiles, rejectedBinaries;

    /** @param dir where binaries are kept, or null to keep them in memory only */
    ProgramCache(cl_context context, cl_device_id device, ClDeviceInfo info, Path dir) {
        this.context = context;
        this.device = device;
        this.info = info;
        this.dir = dir;
    }

    /** The default directory: system property {@code diffusion4j.opencl.cache}, else {@code ~/.cache/diffusion4j/opencl}. */
    static Path defaultDir() {
        String p = System.getProperty("diffusion4j.opencl.cache");
        if (p != null && !p.isBlank()) return Path.of(p);
        return Path.of(System.getProperty("user.home"), ".cache", "diffusion4j", "opencl");
    }

    /** The program of resource {@code file} with {@code generated} code appended (may be empty), built with {@code options}. */
    synchronized cl_program program(String file, String generated, String options) {
        return build(file, expand(file, 0) + generated, options);
    }

    /** Builds {@code source} (named {@code file} in errors) with {@code options}: memory, then disk, then the compiler. */
    synchronized cl_program build(String file, String source, String options) {
        String key = hash((info.name() + "\n" + info.driverVersion() + "\n" + options + "\n" + source).getBytes(StandardCharsets.UTF_8));
        cl_program p = programs.get(key);
        if (p != null) {
            memoryHits++;
            return p;
        }
        try {
            p = fromDisk(key, file, options);
            if (p != null) {
                diskHits++;
            } else {
                p = compile(file, source, options);
                compiles++;
                toDisk(key, p);
            }
        } finally {
            SignalHandlers.restore(); // the driver's compiler ran: see SignalHandlers
        }
        programs.put(key, p);
        return p;
    }

    private cl_program compile(String file, String source, String options) {
        cl_program p = clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        try {
            clBuildProgram(p, 1, new cl_device_id[] {device}, options, null, null);
        } catch (CLException e) {
            String log = buildLog(p);
            clReleaseProgram(p);
            throw new ClBuildException("opencl: building " + file + " with options '" + options + "' failed on " + info.name()
                    + " (" + e.getMessage() + "); compiler log:\n" + log);
        }
        return p;
    }

    private cl_program fromDisk(String key, String file, String options) {
        if (dir == null) return null;
        Path f = dir.resolve(key + ".bin");
        if (!Files.isRegularFile(f)) return null;
        byte[] binary = null;
        try {
            byte[] all = Files.readAllBytes(f);
            int h = MAGIC.length, start = h + 32;
            if (all.length > start && Arrays.equals(all, 0, h, MAGIC, 0, h)) {
                byte[] b = Arrays.copyOfRange(all, start, all.length);
                if (Arrays.equals(sha256(b), Arrays.copyOfRange(all, h, start))) binary = b;
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "opencl: cannot read cached binary " + f + ": " + e);
        }
        if (binary != null) {
            cl_program p = null;
            try {
                p = clCreateProgramWithBinary(context, 1, new cl_device_id[] {device}, new long[] {binary.length},
                        new byte[][] {binary}, null, null);
                clBuildProgram(p, 1, new cl_device_id[] {device}, options, null, null);
                return p;
            } catch (CLException e) {
                if (p != null) clReleaseProgram(p);
            }
        }
        rejectedBinaries++;
        LOG.log(System.Logger.Level.WARNING, "opencl: cached binary " + f + " for " + file + " is corrupt or foreign; rebuilding from source");
        try {
            Files.deleteIfExists(f);
        } catch (IOException ignored) {
            // the rebuilt binary replaces it below anyway
        }
        return null;
    }

    private void toDisk(String key, cl_program p) {
        if (dir == null) return;
        try {
            long[] size = new long[1];
            clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null);
            if (size[0] == 0) return;
            byte[] binary = new byte[(int) size[0]];
            clGetProgramInfo(p, CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(new Pointer[] {Pointer.to(binary)}), null);
            Files.createDirectories(dir);
            // Write then rename: a concurrent process never reads a half-written file.
            Path tmp = Files.createTempFile(dir, key, ".tmp");
            Files.write(tmp, concat(MAGIC, sha256(binary), binary));
            Files.move(tmp, dir.resolve(key + ".bin"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | CLException e) {
            LOG.log(System.Logger.Level.WARNING, "opencl: cannot cache a program binary in " + dir + ": " + e);
        }
    }

    private String buildLog(cl_program p) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] log = new byte[(int) size[0]];
            clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
            return new String(log, StandardCharsets.UTF_8).replace("\0", "").strip();
        } catch (CLException e) {
            return "(no build log: " + e.getMessage() + ")";
        }
    }

    /** The resource's text with its {@code #include} lines replaced, recursively. */
    static String expand(String file, int depth) {
        if (depth > 8) throw new IllegalStateException("opencl: #include nested too deeply at " + file);
        Matcher m = INCLUDE.matcher(resource(file));
        StringBuilder sb = new StringBuilder();
        while (m.find()) m.appendReplacement(sb, Matcher.quoteReplacement(expand(m.group(1), depth + 1)));
        m.appendTail(sb);
        return sb.toString();
    }

    private static String resource(String file) {
        try (InputStream in = ProgramCache.class.getResourceAsStream(RESOURCES + file)) {
            if (in == null) throw new IllegalArgumentException("opencl: no kernel source " + RESOURCES + file + " on the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hash(byte[] b) {
        return HexFormat.of().formatHex(sha256(b));
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    Path dir() { return dir; }
    synchronized int memoryHits() { return memoryHits; }
    synchronized int diskHits() { return diskHits; }
    synchronized int compiles() { return compiles; }
    synchronized int rejectedBinaries() { return rejectedBinaries; }

    /** A program that does not compile: the message carries the file, the options and the compiler log. */
    static final class ClBuildException extends IllegalStateException {
        ClBuildException(String message) {
            super(message);
        }
    }
}
