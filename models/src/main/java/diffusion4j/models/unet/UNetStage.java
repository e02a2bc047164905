package diffusion4j.models.unet;

import diffusion4j.autograd.Variable;
import diffusion4j.nn.Module;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;

/**
 * One resolution stage of the DDPM UNet (Ho et al. 2020, Appendix B): at the 16x16 resolution of
 * their CIFAR-10 model each level has two residual blocks followed by self-attention; this stage is
 * {@code res0 -> res1 -> attn} at constant channel count, without the down/up-sampling between
 * stages. It is the unit the benchmarks time as one training step (forward, backward, AdamW) at
 * (N32, C128, 16x16) with 4 heads and a timestep embedding of 4C, the paper's {@code ch * 4}.
 *
 * <p>Parameter names: res0.*, res1.* ({@link ResBlock}), attn.* ({@link AttentionBlock}).
 */
public final class UNetStage extends Module {
    private final ResBlock res0, res1;
    private final AttentionBlock attn;

    /**
     * @param channels C, a multiple of {@code groups} and of {@code heads}
     * @param tembDim  timestep-embedding size
     */
    public UNetStage(int channels, int tembDim, int groups, int heads, boolean zeroInitOutputs, Device device, Generator gen) {
        res0 = registerModule("res0", new ResBlock(channels, channels, tembDim, groups, zeroInitOutputs, device, gen));
        res1 = registerModule("res1", new ResBlock(channels, channels, tembDim, groups, zeroInitOutputs, device, gen));
        attn = registerModule("attn", new AttentionBlock(channels, heads, groups, zeroInitOutputs, device, gen));
    }

    /**
     * @param x    (N, C, H, W)
     * @param temb (N, tembDim)
     * @return (N, C, H, W)
     */
    public Variable forward(Variable x, Variable temb) {
        return attn.forward(res1.forward(res0.forward(x, temb), temb));
    }
}
