package diffusion4j.optim;

import diffusion4j.nn.Module;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.io.Safetensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training checkpoint in one safetensors file: sections (model weights, optimizer state, EMA,
 * counters) stored under key prefixes {@code "model."}, {@code "optim."}, {@code "ema."},
 * {@code "train."}. Writing is atomic (Safetensors writes a temporary file and renames it), so an
 * interrupted run never leaves a half checkpoint behind. The "model." section alone, with the
 * prefix stripped, is a plain PyTorch-style state dict.
 */
public final class Checkpoint {
    private Checkpoint() {}

    public static final String MODEL = "model", OPTIM = "optim", EMA = "ema", TRAIN = "train";

    /** Writes {@code sections} (name to state dict) as one file; section names must not contain '.'. */
    public static void write(Path file, Map<String, ? extends Map<String, Tensor>> sections, Map<String, String> metadata) throws IOException {
        LinkedHashMap<String, Tensor> flat = new LinkedHashMap<>();
        sections.forEach((section, state) -> {
            if (section.isEmpty() || section.contains(".")) throw new IllegalArgumentException("Checkpoint: bad section name '" + section + "'");
            state.forEach((k, t) -> flat.put(section + "." + k, t));
        });
        Safetensors.write(file, flat, metadata);
    }

    /** Reads a file written by {@link #write} back into its sections. */
    public static LinkedHashMap<String, LinkedHashMap<String, Tensor>> read(Path file) throws IOException {
        LinkedHashMap<String, LinkedHashMap<String, Tensor>> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : Safetensors.read(file).entrySet()) {
            String key = e.getKey();
            int dot = key.indexOf('.');
            if (dot <= 0) throw new IOException(file + ": key '" + key + "' belongs to no section; not a checkpoint written by Checkpoint.write");
            out.computeIfAbsent(key.substring(0, dot), s -> new LinkedHashMap<>()).put(key.substring(dot + 1), e.getValue());
        }
        return out;
    }

    /** Saves model, optimizer, EMA (nullable) and scalar counters such as the epoch. */
    public static void save(Path file, Module model, Optimizer optimizer, Ema ema, Map<String, Long> counters) throws IOException {
        LinkedHashMap<String, Map<String, Tensor>> sections = new LinkedHashMap<>();
        sections.put(MODEL, model.stateDict());
        if (optimizer != null) sections.put(OPTIM, optimizer.stateDict());
        if (ema != null) sections.put(EMA, ema.stateDict());
        LinkedHashMap<String, Tensor> train = new LinkedHashMap<>();
        counters.forEach((k, v) -> {
            if (v < 0 || v >= 1 << 24) throw new IllegalArgumentException("Checkpoint: counter " + k + "=" + v + " not exact as a float");
            train.put(k, Tensor.of(model.parameters().get(0).device(), new float[] {v}, 1));
        });
        if (!train.isEmpty()) sections.put(TRAIN, train);
        write(file, sections, Map.of("format", "diffusion4j-checkpoint"));
    }

    /**
     * Restores what {@link #save} wrote into {@code model}, {@code optimizer} and {@code ema} (the
     * last two nullable; a section they need that the file lacks is an error) and returns the counters.
     */
    public static Map<String, Long> restore(Path file, Module model, Optimizer optimizer, Ema ema) throws IOException {
        LinkedHashMap<String, LinkedHashMap<String, Tensor>> s = read(file);
        model.loadStateDict(section(s, MODEL, file), true);
        if (optimizer != null) optimizer.loadStateDict(section(s, OPTIM, file));
        if (ema != null) ema.loadStateDict(section(s, EMA, file));
        LinkedHashMap<String, Long> counters = new LinkedHashMap<>();
        s.getOrDefault(TRAIN, new LinkedHashMap<>()).forEach((k, t) -> counters.put(k, (long) t.toFloatArray()[0]));
        return counters;
    }

    private static Map<String, Tensor> section(Map<String, LinkedHashMap<String, Tensor>> s, String name, Path file) throws IOException {
        Map<String, Tensor> m = s.get(name);
        if (m == null) throw new IOException(file + ": checkpoint has no '" + name + "' section (has " + s.keySet() + ")");
        return m;
    }
}
