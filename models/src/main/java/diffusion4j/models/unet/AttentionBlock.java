package diffusion4j.models.unet;

import diffusion4j.autograd.Variable;
import diffusion4j.nn.GroupNorm;
import diffusion4j.nn.Module;
import diffusion4j.nn.MultiHeadAttention;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;

/**
 * The DDPM self-attention block (Ho et al. 2020, Appendix B, "self-attention at the 16x16
 * resolution"; {@code attn_block} in {@code diffusion_tf/models/unet.py}): every pixel attends to
 * every pixel of the same image.
 * <pre>
 *   h = norm(x) viewed as (N, H*W, C)               one token per pixel
 *   out = x + attention(h) viewed back as (N, C, H, W)
 * </pre>
 * The paper's block has a single head with 1x1-conv projections; this one uses {@code heads} heads
 * (4 in the benchmark, as later DDPM-style UNets do) through {@link MultiHeadAttention}, whose
 * Linear projections on (N, H*W, C) are those 1x1 convs. With {@code zeroInitOutput} the output
 * projection starts at zero (the paper's init scale 1e-10), so a fresh block is the identity.
 */
public final class AttentionBlock extends Module {
    private final int channels;
    private final GroupNorm norm;
    private final MultiHeadAttention attn;

    public AttentionBlock(int channels, int heads, int groups, boolean zeroInitOutput, Device device, Generator gen) {
        this.channels = channels;
        norm = registerModule("norm", new GroupNorm(groups, channels, device));
        attn = registerModule("attn", new MultiHeadAttention(channels, heads, device, gen));
        if (zeroInitOutput) UNetInit.zero(attn.outProj().weight(), attn.outProj().bias());
    }

    /** @param x (N, C, H, W) @return (N, C, H, W) */
    public Variable forward(Variable x) {
        if (x.rank() != 4 || x.dim(1) != channels) {
            throw new IllegalArgumentException("AttentionBlock(" + channels + "): x must be (N, " + channels + ", H, W), got "
                    + java.util.Arrays.toString(x.shape()));
        }
        int n = x.dim(0), h = x.dim(2), w = x.dim(3);
        Variable tokens = norm.forward(x).reshape(n, channels, h * w).permute(0, 2, 1); // (N, HW, C)
        Variable a = attn.forward(tokens).permute(0, 2, 1).reshape(n, channels, h, w);
        return x.add(a);
    }

    public MultiHeadAttention attention() { return attn; }
}
