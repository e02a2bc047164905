package diffusion4j.optim;

import diffusion4j.autograd.Variable;
import diffusion4j.nn.Module;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An exponential moving average of a module's weights, shadow = decay * shadow + (1 - decay) * w
 * after every optimizer step (Polyak averaging; the EMA weights are what DDPM samples with, Ho et
 * al. 2020, appendix B). The shadow starts as a copy of the weights.
 */
public final class Ema {
    private final double decay;
    private final LinkedHashMap<String, Tensor> shadow = new LinkedHashMap<>();
    private final LinkedHashMap<String, Variable> params;

    public Ema(Module model, double decay) {
        if (!(decay >= 0 && decay <= 1)) throw new IllegalArgumentException("Ema: decay must be in [0, 1], got " + decay);
        this.decay = decay;
        this.params = model.namedParameters();
        // Tensors are immutable and setData replaces them, so sharing the current values is a copy.
        params.forEach((k, v) -> shadow.put(k, v.data()));
    }

    /** Folds the current weights into the average; call after each optimizer step (outside any {@link TensorScope} it runs in). */
    public void update() {
        float d = (float) decay, rest = (float) (1 - decay);
        TensorScope.outside(() -> params.forEach((k, v) -> shadow.put(k, shadow.get(k).mul(d).add(v.data().mul(rest)))));
    }

    /** Writes the averaged weights into {@code target} (usually a copy of the model, for evaluation). */
    public void copyTo(Module target) {
        Map<String, Variable> dst = target.namedParameters();
        if (!dst.keySet().equals(shadow.keySet())) {
            throw new IllegalArgumentException("Ema.copyTo: target's parameters " + dst.keySet() + " differ from the averaged " + shadow.keySet());
        }
        dst.forEach((k, v) -> {
            Tensor s = shadow.get(k);
            if (!Arrays.equals(s.shape(), v.shape())) {
                throw new IllegalArgumentException("Ema.copyTo: " + k + " is " + Shapes.format(v.shape()) + " in the target, "
                        + Shapes.format(s.shape()) + " in the average");
            }
        });
        dst.forEach((k, v) -> v.setData(shadow.get(k).to(v.device())));
    }

    public double decay() { return decay; }

    /** The averaged weights by parameter name (the tensors themselves, not copies). */
    public LinkedHashMap<String, Tensor> stateDict() {
        return new LinkedHashMap<>(shadow);
    }

    /** Restores averaged weights; keys and shapes must match the tracked parameters exactly. */
    public void loadStateDict(Map<String, Tensor> state) {
        if (!state.keySet().equals(shadow.keySet())) {
            throw new IllegalArgumentException("Ema: state keys " + state.keySet() + " differ from the parameters " + shadow.keySet());
        }
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            if (!Arrays.equals(e.getValue().shape(), shadow.get(e.getKey()).shape())) {
                throw new IllegalArgumentException("Ema: " + e.getKey() + " has shape " + Shapes.format(e.getValue().shape()) + ", expected "
                        + Shapes.format(shadow.get(e.getKey()).shape()));
            }
        }
        state.forEach((k, t) -> shadow.put(k, t.to(params.get(k).device()).contiguous()));
    }
}
