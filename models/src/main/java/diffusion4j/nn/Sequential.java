package diffusion4j.nn;

import diffusion4j.autograd.Variable;

import java.util.ArrayList;
import java.util.List;

/** Layers applied in order, named "0", "1", ... as in torch.nn.Sequential. */
public final class Sequential extends Layer {
    private final List<Layer> layers = new ArrayList<>();

    public Sequential(Layer... layers) {
        for (Layer l : layers) add(l);
    }

    /** Appends {@code layer} under the next index. */
    public Sequential add(Layer layer) {
        layers.add(registerModule(Integer.toString(layers.size()), layer));
        return this;
    }

    public Layer get(int i) {
        return layers.get(i);
    }

    public int size() {
        return layers.size();
    }

    @Override public Variable forward(Variable x) {
        for (Layer l : layers) x = l.forward(x);
        return x;
    }
}
