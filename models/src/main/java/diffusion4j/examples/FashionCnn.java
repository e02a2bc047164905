package diffusion4j.examples;

import diffusion4j.autograd.Variable;
import diffusion4j.nn.Conv2d;
import diffusion4j.nn.Flatten;
import diffusion4j.nn.GroupNorm;
import diffusion4j.nn.Layer;
import diffusion4j.nn.Linear;
import diffusion4j.nn.Pool2d;
import diffusion4j.nn.Sequential;
import diffusion4j.nn.SiLU;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;

/**
 * A small classifier for 28x28 grey images: two blocks of 3x3 conv, group norm and SiLU (the
 * conv-norm-activation block of diffusion UNets), each followed by 2x2 max pooling, then a linear
 * layer to 10 logits. About 25k parameters; one image costs about 1 MFLOP forward.
 * <pre>
 *   (N, 1, 28, 28) -conv 1->c1, GN, SiLU, pool-> (N, c1, 14, 14) -conv c1->c2, GN, SiLU, pool-> (N, c2, 7, 7) -linear-> (N, 10)
 * </pre>
 */
public final class FashionCnn extends Layer {
    private final Sequential net;

    public FashionCnn(int c1, int c2, Device device, Generator gen) {
        net = registerModule("net", new Sequential(
                new Conv2d(1, c1, 3, 1, device, gen), new GroupNorm(4, c1, device), new SiLU(), Pool2d.max(2),
                new Conv2d(c1, c2, 3, 1, device, gen), new GroupNorm(4, c2, device), new SiLU(), Pool2d.max(2),
                new Flatten(), new Linear(c2 * 7 * 7, 10, device, gen)));
    }

    /** @param x (N, 1, 28, 28) @return logits (N, 10) */
    @Override public Variable forward(Variable x) {
        return net.forward(x);
    }
}
