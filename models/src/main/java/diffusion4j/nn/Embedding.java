package diffusion4j.nn;

import diffusion4j.autograd.NN;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Tensor;

/** A lookup table, as torch.nn.Embedding: weight (V, D) initialized N(0, 1), as PyTorch does. */
public final class Embedding extends Module {
    private final Variable weight;

    public Embedding(int count, int dim, Device device, Generator gen) {
        if (count <= 0 || dim <= 0) throw new IllegalArgumentException("Embedding: sizes must be positive, got " + count + " x " + dim);
        this.weight = registerParameter("weight", Init.normal(device, gen, 0, 1, count, dim));
    }

    /**
     * @param ids any shape, integral values in [0, V) stored as floats
     * @return ids.shape + (D)
     */
    public Variable forward(Tensor ids) {
        return NN.embedding(weight, ids);
    }

    public Variable weight() { return weight; }
}
