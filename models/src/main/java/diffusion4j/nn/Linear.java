package diffusion4j.nn;

import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;

/**
 * y = x W^T + b, as torch.nn.Linear: weight (out, in), bias (out). Weight and bias take PyTorch's
 * default initialization ({@link Init#defaultWeight}, {@link Init#defaultBias}).
 */
public final class Linear extends Layer {
    private final int in, out;
    private final Variable weight, bias;

    public Linear(int in, int out, boolean bias, Device device, Generator gen) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("Linear: sizes must be positive, got " + in + " -> " + out);
        this.in = in;
        this.out = out;
        this.weight = registerParameter("weight", Init.defaultWeight(device, gen, out, in));
        this.bias = bias ? registerParameter("bias", Init.defaultBias(device, gen, in, out)) : null;
    }

    public Linear(int in, int out, Device device, Generator gen) {
        this(in, out, true, device, gen);
    }

    /**
     * @param x (..., in)
     * @return (..., out)
     */
    @Override public Variable forward(Variable x) {
        if (x.rank() < 1 || x.dim(x.rank() - 1) != in) {
            throw new IllegalArgumentException("Linear(" + in + " -> " + out + "): input's last dim must be " + in + ", got shape "
                    + java.util.Arrays.toString(x.shape()));
        }
        Variable y = x.matmul(weight.t());
        return bias == null ? y : y.add(bias);
    }

    public Variable weight() { return weight; }
    public Variable bias() { return bias; }
    public int inFeatures() { return in; }
    public int outFeatures() { return out; }
}
