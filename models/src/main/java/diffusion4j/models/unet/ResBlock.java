package diffusion4j.models.unet;

import diffusion4j.autograd.Variable;
import diffusion4j.nn.Conv2d;
import diffusion4j.nn.GroupNorm;
import diffusion4j.nn.Linear;
import diffusion4j.nn.Module;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;

/**
 * The DDPM residual block (Ho et al. 2020, Appendix B; {@code resnet_block} in their
 * {@code diffusion_tf/models/unet.py}):
 * <pre>
 *   h = conv1(silu(norm1(x)))
 *   h = h + temb_proj(silu(temb))[:, :, None, None]      the timestep enters after the first conv
 *   h = conv2(silu(norm2(h)))
 *   out = skip(x) + h                                     skip = identity, or a 1x1 conv when C changes
 * </pre>
 * Dropout (0.1 in the paper, between the second norm and conv2) is left out: it changes no shape or
 * cost that matters here and would make the benchmark's validation depend on a random mask.
 *
 * <p>Parameter names follow the paper's code (norm1, conv1, temb_proj, norm2, conv2, nin_shortcut).
 * With {@code zeroInitOutput} the last conv starts at zero, as the paper's code does (its init scale
 * 1e-10), so a fresh block is the identity on x; otherwise every layer takes PyTorch's default init.
 */
public final class ResBlock extends Module {
    private final int in, out;
    private final GroupNorm norm1, norm2;
    private final Conv2d conv1, conv2, shortcut;
    private final Linear tembProj;

    /**
     * @param in      input channels (a multiple of {@code groups})
     * @param out     output channels (a multiple of {@code groups})
     * @param tembDim size of the timestep embedding
     * @param groups  group-norm groups (32 in the paper)
     */
    public ResBlock(int in, int out, int tembDim, int groups, boolean zeroInitOutput, Device device, Generator gen) {
        this.in = in;
        this.out = out;
        norm1 = registerModule("norm1", new GroupNorm(groups, in, device));
        conv1 = registerModule("conv1", new Conv2d(in, out, 3, 1, device, gen));
        tembProj = registerModule("temb_proj", new Linear(tembDim, out, device, gen));
        norm2 = registerModule("norm2", new GroupNorm(groups, out, device));
        conv2 = registerModule("conv2", new Conv2d(out, out, 3, 1, device, gen));
        shortcut = in == out ? null : registerModule("nin_shortcut", new Conv2d(in, out, 1, 0, device, gen));
        if (zeroInitOutput) UNetInit.zero(conv2.weight(), conv2.bias());
    }

    /**
     * @param x    (N, in, H, W)
     * @param temb (N, tembDim)
     * @return (N, out, H, W)
     */
    public Variable forward(Variable x, Variable temb) {
        if (x.rank() != 4 || x.dim(1) != in) {
            throw new IllegalArgumentException("ResBlock(" + in + " -> " + out + "): x must be (N, " + in + ", H, W), got "
                    + java.util.Arrays.toString(x.shape()));
        }
        if (temb.rank() != 2 || temb.dim(0) != x.dim(0)) {
            throw new IllegalArgumentException("ResBlock: temb must be (" + x.dim(0) + ", tembDim), got " + java.util.Arrays.toString(temb.shape()));
        }
        Variable h = conv1.forward(norm1.forward(x).silu());
        h = h.add(tembProj.forward(temb.silu()).reshape(x.dim(0), out, 1, 1));
        h = conv2.forward(norm2.forward(h).silu());
        return (shortcut == null ? x : shortcut.forward(x)).add(h);
    }

    /** The 1x1 conv on the skip path, or null when in == out. */
    public Conv2d shortcut() { return shortcut; }
}
