package diffusion4j.nn;

import diffusion4j.autograd.NN;
import diffusion4j.autograd.Variable;
import diffusion4j.tensor.Device;

/**
 * Group normalization (Wu and He 2018, eq. 1-3), as torch.nn.GroupNorm: channels split into
 * groups, each normalized per sample; affine weight (C) = 1 and bias (C) = 0 initially.
 */
public final class GroupNorm extends Layer {
    private final int groups;
    private final float eps;
    private final Variable weight, bias;

    public GroupNorm(int groups, int channels, float eps, boolean affine, Device device) {
        if (groups <= 0 || channels % groups != 0) {
            throw new IllegalArgumentException("GroupNorm: " + channels + " channels not divisible into " + groups + " groups");
        }
        this.groups = groups;
        this.eps = eps;
        this.weight = affine ? registerParameter("weight", Init.ones(device, channels)) : null;
        this.bias = affine ? registerParameter("bias", Init.zeros(device, channels)) : null;
    }

    /** eps 1e-5 and affine, PyTorch's defaults. */
    public GroupNorm(int groups, int channels, Device device) {
        this(groups, channels, 1e-5f, true, device);
    }

    /** @param x (N, C, *) @return same shape */
    @Override public Variable forward(Variable x) {
        return NN.groupNorm(x, groups, weight, bias, eps);
    }
}
