package diffusion4j.nn;

import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.io.Safetensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The base of every network part, as torch.nn.Module: a module owns named parameters (trainable
 * {@link Variable}s), buffers (non-trainable tensors saved with the weights) and named child modules.
 * Names compose into the dotted paths of a PyTorch state dict ("block.0.conv.weight"), so a checkpoint
 * written by PyTorch maps onto the same tree by name.
 *
 * <p>Registration happens in constructors. Traversal order is PyTorch's: a module's own parameters
 * (then, in the state dict, its buffers) in registration order, then each child's, recursively. A module's forward signature is its own business ({@link Layer} is the one-in,
 * one-out case that {@link Sequential} chains).
 */
public abstract class Module {
    private final LinkedHashMap<String, Variable> params = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
    private final LinkedHashMap<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    // ---- registration ---------------------------------------------------------------------------

    /** Registers a trainable parameter initialized to {@code init}; returns its Variable. */
    protected final Variable registerParameter(String name, Tensor init) {
        checkName(name);
        Variable v = Variable.parameter(init);
        params.put(name, v);
        return v;
    }

    /** Registers a non-trainable tensor that is saved and loaded with the parameters. */
    protected final Tensor registerBuffer(String name, Tensor value) {
        checkName(name);
        buffers.put(name, Objects.requireNonNull(value, name));
        return value;
    }

    /** The current value of buffer {@code name} (loading a state dict replaces it). */
    protected final Tensor buffer(String name) {
        Tensor t = buffers.get(name);
        if (t == null) throw new IllegalArgumentException(getClass().getSimpleName() + " has no buffer '" + name + "'");
        return t;
    }

    /** Registers a child; its parameters appear under {@code name + "."}. */
    protected final <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        children.put(name, Objects.requireNonNull(module, name));
        return module;
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("module member name must be non-empty and without '.', got '" + name + "'");
        }
        if (params.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": name '" + name + "' registered twice");
        }
    }

    // ---- traversal ------------------------------------------------------------------------------

    /** Every parameter of this module and its descendants, by dotted name, in registration order. */
    public final LinkedHashMap<String, Variable> namedParameters() {
        LinkedHashMap<String, Variable> out = new LinkedHashMap<>();
        collectParameters("", out);
        return out;
    }

    private void collectParameters(String prefix, Map<String, Variable> out) {
        params.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, m) -> m.collectParameters(prefix + k + ".", out));
    }

    public final List<Variable> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Number of trainable scalars. */
    public final long parameterCount() {
        long n = 0;
        for (Variable v : parameters()) n += v.numel();
        return n;
    }

    /** This module ("" ) and every descendant by dotted name, parents before children. */
    public final LinkedHashMap<String, Module> namedModules() {
        LinkedHashMap<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String name, Map<String, Module> out) {
        out.put(name, this);
        children.forEach((k, m) -> m.collectModules(name.isEmpty() ? k : name + "." + k, out));
    }

    /** The direct children, by name. */
    public final Map<String, Module> children() {
        return java.util.Collections.unmodifiableMap(children);
    }

    // ---- modes ----------------------------------------------------------------------------------

    /** Sets training mode here and in every descendant (dropout is active only in training). */
    public Module train(boolean on) {
        training = on;
        for (Module m : children.values()) m.train(on);
        return this;
    }

    public final Module train() {
        return train(true);
    }

    public final Module eval() {
        return train(false);
    }

    public final boolean isTraining() {
        return training;
    }

    public final void zeroGrad() {
        for (Variable v : parameters()) v.zeroGrad();
    }

    // ---- state dict -----------------------------------------------------------------------------

    /** Parameters' values and buffers by dotted name, in PyTorch's order (tensors are shared, not copied). */
    public final LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        params.forEach((k, v) -> out.put(prefix + k, v.data()));
        buffers.forEach((k, t) -> out.put(prefix + k, t));
        children.forEach((k, m) -> m.collectState(prefix + k + ".", out));
    }

    /** What {@link #loadStateDict} left out: keys the module has but the map lacks, and the reverse. */
    public record LoadResult(List<String> missing, List<String> unexpected) {}

    /**
     * Copies values from {@code state} into this module's parameters and buffers (moved to each
     * parameter's device). Shapes must match exactly. With {@code strict}, any missing or unexpected
     * key is an error; otherwise they are returned. Everything is validated before anything is
     * written, so a failed load leaves the module unchanged.
     */
    public final LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        LinkedHashMap<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), badShapes = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor given = state.get(e.getKey());
            if (given == null) missing.add(e.getKey());
            else if (!java.util.Arrays.equals(given.shape(), e.getValue().shape())) {
                badShapes.add(e.getKey() + ": checkpoint " + Shapes.format(given.shape()) + ", module " + Shapes.format(e.getValue().shape()));
            }
        }
        for (String k : state.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        String name = getClass().getSimpleName();
        if (!badShapes.isEmpty()) throw new IllegalArgumentException(name + ": shape mismatch for " + String.join("; ", badShapes));
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            StringBuilder b = new StringBuilder(name).append(": state dict does not match the module.");
            if (!missing.isEmpty()) b.append(" Missing keys: ").append(missing).append('.');
            if (!unexpected.isEmpty()) b.append(" Unexpected keys: ").append(unexpected).append('.');
            throw new IllegalArgumentException(b.toString());
        }
        assign("", state);
        return new LoadResult(List.copyOf(missing), List.copyOf(unexpected));
    }

    private void assign(String prefix, Map<String, Tensor> state) {
        params.forEach((k, v) -> {
            Tensor t = state.get(prefix + k);
            if (t != null) v.setData(t.to(v.device()).contiguous());
        });
        buffers.replaceAll((k, old) -> {
            Tensor t = state.get(prefix + k);
            return t == null ? old : t.to(old.device()).contiguous();
        });
        children.forEach((k, m) -> m.assign(prefix + k + ".", state));
    }

    // ---- files ----------------------------------------------------------------------------------

    /** Writes the state dict as safetensors, atomically (a reader never sees half a file). */
    public final void save(Path file) throws IOException {
        save(file, Map.of());
    }

    public final void save(Path file, Map<String, String> metadata) throws IOException {
        Safetensors.write(file, stateDict(), metadata);
    }

    /** Loads a safetensors file written by {@link #save} (or by PyTorch with the same names), strictly. */
    public final void load(Path file) throws IOException {
        loadStateDict(Safetensors.read(file), true);
    }

    @Override public String toString() {
        return getClass().getSimpleName() + "(" + parameterCount() + " parameters)";
    }
}
