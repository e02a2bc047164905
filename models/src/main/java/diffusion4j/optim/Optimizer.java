package diffusion4j.optim;

import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The base of the optimizers: a set of named parameters, a learning-rate schedule, a step count,
 * and per-parameter state slots (momentum, moments) kept as tensors. {@link #step()} computes each new
 * weight with Tensor ops and installs it with {@link Variable#setData}: this is the one place where
 * parameters change "in place". Parameters without a gradient are skipped.
 *
 * <p>The state dict holds {@code "step"} and {@code "<slot>.<parameter name>"} for every slot, so a
 * checkpoint restores training exactly; names (not positions) key it, so it survives reordering.
 */
public abstract class Optimizer {
    private final LinkedHashMap<String, Variable> params;
    private final LinkedHashMap<String, LinkedHashMap<String, Tensor>> slots = new LinkedHashMap<>();
    private LrSchedule schedule;
    private long steps;

    protected Optimizer(Map<String, Variable> params, LrSchedule schedule, String... slotNames) {
        if (params.isEmpty()) throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameters to optimize");
        this.params = new LinkedHashMap<>(params);
        this.schedule = schedule;
        for (String s : slotNames) slots.put(s, new LinkedHashMap<>());
    }

    /** Names "0", "1", ... for a plain list of parameters. */
    public static LinkedHashMap<String, Variable> named(List<Variable> params) {
        LinkedHashMap<String, Variable> m = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) m.put(Integer.toString(i), params.get(i));
        return m;
    }

    /**
     * The new value of a parameter.
     *
     * @param name parameter name (key into the state slots)
     * @param w    current value; not modified
     * @param g    its gradient, same shape
     * @param lr   this step's learning rate
     * @param t    1-based number of this update (Adam's bias correction)
     */
    protected abstract Tensor update(String name, Tensor w, Tensor g, double lr, long t);

    /**
     * Applies one update to every parameter that has a gradient. The new weights and state are
     * created outside any {@link TensorScope}, so a step taken inside one keeps them.
     */
    public final void step() {
        double lr = schedule.at(steps);
        long t = steps + 1;
        TensorScope.outside(() -> {
            for (Map.Entry<String, Variable> e : params.entrySet()) {
                Variable p = e.getValue();
                Tensor g = p.grad();
                if (g == null) continue;
                p.setData(update(e.getKey(), p.data(), g, lr, t));
            }
        });
        steps = t;
    }

    public final void zeroGrad() {
        for (Variable p : params.values()) p.zeroGrad();
    }

    /** Updates taken so far. */
    public final long stepCount() { return steps; }

    /** The learning rate the next {@link #step()} will use. */
    public final double currentLr() { return schedule.at(steps); }

    public final void setSchedule(LrSchedule schedule) { this.schedule = schedule; }

    public final Map<String, Variable> parameters() { return java.util.Collections.unmodifiableMap(params); }

    /** State of {@code slot} for parameter {@code name}, or null before its first update. */
    protected final Tensor slot(String slot, String name) {
        return slots.get(slot).get(name);
    }

    protected final void setSlot(String slot, String name, Tensor value) {
        slots.get(slot).put(name, value);
    }

    // ---- state dict -----------------------------------------------------------------------------

    /** {@code "step"} (shape (1), exact below 2^24) and every slot tensor, keyed "slot.param". */
    public final LinkedHashMap<String, Tensor> stateDict() {
        if (steps >= 1 << 24) throw new IllegalStateException("stateDict: step count " + steps + " does not fit a float exactly");
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        Variable any = params.values().iterator().next();
        out.put("step", Tensor.of(any.device(), new float[] {steps}, 1));
        slots.forEach((slot, m) -> m.forEach((name, t) -> out.put(slot + "." + name, t)));
        return out;
    }

    /**
     * Restores a state written by {@link #stateDict()} of an optimizer of the same kind over the same
     * parameter names. Unknown keys and shape mismatches are errors (validated before anything
     * changes); a parameter with no slot entry simply starts fresh (it had never been updated).
     */
    public final void loadStateDict(Map<String, Tensor> state) {
        String kind = getClass().getSimpleName();
        Tensor step = state.get("step");
        if (step == null || step.numel() != 1) throw new IllegalArgumentException(kind + ": state dict has no one-element 'step'");
        float s = step.toFloatArray()[0];
        if (!(s >= 0) || s != Math.rint(s)) throw new IllegalArgumentException(kind + ": 'step' must be a whole number >= 0, got " + s);
        List<String> problems = new ArrayList<>();
        LinkedHashMap<String, LinkedHashMap<String, Tensor>> fresh = new LinkedHashMap<>();
        for (String slot : slots.keySet()) fresh.put(slot, new LinkedHashMap<>());
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            String key = e.getKey();
            if (key.equals("step")) continue;
            int dot = key.indexOf('.');
            String slot = dot < 0 ? key : key.substring(0, dot), name = dot < 0 ? "" : key.substring(dot + 1);
            Variable p = params.get(name);
            if (!fresh.containsKey(slot) || p == null) {
                problems.add("unexpected key '" + key + "'");
            } else if (!Arrays.equals(p.shape(), e.getValue().shape())) {
                problems.add(key + " has shape " + Shapes.format(e.getValue().shape()) + ", parameter has " + Shapes.format(p.shape()));
            } else {
                fresh.get(slot).put(name, e.getValue().to(p.device()).contiguous());
            }
        }
        if (!problems.isEmpty()) throw new IllegalArgumentException(kind + ": cannot load state: " + String.join("; ", problems));
        slots.clear();
        slots.putAll(fresh);
        steps = (long) s;
    }
}
