package diffusion4j.nn;

import diffusion4j.autograd.NN;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;

/**
 * 2-D cross-correlation, as torch.nn.Conv2d: weight (out, in/groups, k, k), bias (out), with
 * stride, zero padding, dilation and groups from {@link ConvParams}. PyTorch's default init.
 */
public final class Conv2d extends Layer {
    private final ConvParams params;
    private final Variable weight, bias;

    public Conv2d(int in, int out, int kernel, ConvParams params, boolean bias, Device device, Generator gen) {
        if (in <= 0 || out <= 0 || kernel <= 0) {
            throw new IllegalArgumentException("Conv2d: channels and kernel must be positive, got in=" + in + " out=" + out + " kernel=" + kernel);
        }
        int g = params.groups();
        if (in % g != 0 || out % g != 0) {
            throw new IllegalArgumentException("Conv2d: in=" + in + " and out=" + out + " channels must both be divisible by groups=" + g);
        }
        this.params = params;
        this.weight = registerParameter("weight", Init.defaultWeight(device, gen, out, in / g, kernel, kernel));
        this.bias = bias ? registerParameter("bias", Init.defaultBias(device, gen, in / g * kernel * kernel, out)) : null;
    }

    /** stride 1, the given padding, dilation 1, groups 1, with bias. */
    public Conv2d(int in, int out, int kernel, int padding, Device device, Generator gen) {
        this(in, out, kernel, ConvParams.of(1, padding), true, device, gen);
    }

    /**
     * @param x (N, in, H, W)
     * @return (N, out, outH, outW)
     */
    @Override public Variable forward(Variable x) {
        return NN.conv2d(x, weight, bias, params);
    }

    public Variable weight() { return weight; }
    public Variable bias() { return bias; }
    public ConvParams convParams() { return params; }
}
