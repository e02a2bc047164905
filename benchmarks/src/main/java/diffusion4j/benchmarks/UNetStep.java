package diffusion4j.benchmarks;

import diffusion4j.autograd.NN;
import diffusion4j.autograd.Variable;
import diffusion4j.models.unet.UNetStage;
import diffusion4j.optim.AdamW;
import diffusion4j.optim.LrSchedule;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;

/**
 * One training step of a {@link UNetStage} (two ResBlocks and a 4-head self-attention block, the
 * timestep embedding 4C): forward, MSE against a fixed target (the DDPM epsilon loss, Ho et al. 2020
 * eq. 14, with the noise as a fixed tensor), backward, AdamW. Shared by {@link UNetStepBenchmark}
 * and {@link UNetStepRunner}; {@code tools/perf/torch_bench.py} builds the same step in PyTorch.
 */
final class UNetStep {
    static final int GROUPS = 32, HEADS = 4;

    final UNetStage stage;
    final AdamW opt;
    final Tensor x, temb, target;

    /**
     * @param shape N, C, H, W; the inputs x (N, C, H, W), temb (N, 4C) and target are seeded Gaussians
     *              made on the host (so two devices get identical values)
     */
    UNetStep(Device device, int[] shape) {
        this(device, shape, newStage(device, shape[1], 5));
    }

    /** A step over an existing stage (one whose weights were copied from another device's). */
    UNetStep(Device device, int[] shape, UNetStage stage) {
        this.stage = stage;
        this.opt = new AdamW(stage.namedParameters(), LrSchedule.constant(1e-3));
        int n = shape[0], c = shape[1];
        x = Twin.gaussian(device, 31, shape).bench();
        temb = Twin.gaussian(device, 32, n, 4 * c).bench();
        target = Twin.gaussian(device, 33, shape).bench();
    }

    /** The benchmarked configuration: C channels, temb 4C, 32 groups, 4 heads, PyTorch's default init. */
    static UNetStage newStage(Device device, int channels, long seed) {
        return new UNetStage(channels, 4 * channels, GROUPS, HEADS, false, device, new Generator(seed));
    }

    /**
     * Runs one step in a {@link TensorScope}, as a training loop would: activations and gradients
     * go back to the pool at its end, so the gradients cannot be read afterwards. Returns the loss
     * (before the update) as a rank-0 tensor.
     */
    Tensor run() {
        try (TensorScope scope = TensorScope.open()) {
            return scope.keep(runUnscoped());
        }
    }

    /** One step without a scope: the gradients stay readable (for validation). */
    Tensor runUnscoped() {
        opt.zeroGrad();
        Variable loss = NN.mse(stage.forward(Variable.constant(x), Variable.constant(temb)), target);
        loss.backward();
        opt.step();
        return loss.data();
    }

    /**
     * Work of one step in flop: 3 passes (forward, input and weight gradients) of the four 3x3
     * convs and the four attention projections, and forward + backward of attention itself
     * (12 B L^2 D with B = N heads, D = C / heads, as {@link AttentionBenchmark} counts it). Norms,
     * activations, the loss and AdamW are memory-bound and not counted.
     */
    static double flop(int[] shape) {
        double n = shape[0], c = shape[1], hw = (double) shape[2] * shape[3];
        double conv = 2 * n * c * c * 9 * hw, proj = 2 * n * hw * c * c;
        return 3 * (4 * conv + 4 * proj) + 12 * n * hw * hw * c;
    }
}
