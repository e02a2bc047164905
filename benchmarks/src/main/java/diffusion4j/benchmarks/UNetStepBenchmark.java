package diffusion4j.benchmarks;

import diffusion4j.autograd.Variable;
import diffusion4j.models.unet.UNetStage;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * One training step (forward, backward, AdamW) of the DDPM UNet stage {@link UNetStage} at
 * N x C x H x W, see {@link UNetStep}.
 *
 * <p>Validation: a reduced batch of {@link #CHECK_BATCH} samples runs two steps on the benchmarked
 * backend and on the reference backend, from the same weights (copied by state dict, not drawn by
 * either backend's random kernel) and the same host-made inputs. Step 1's loss checks the forward
 * pass and its parameter gradients (each within 1e-3 of its rms) the backward pass; step 2's loss,
 * from the AdamW-updated weights, checks the optimizer. Losses must agree within
 * {@link #LOSS_TOLERANCE} relative. Why the gradients and not the updated weights: Adam's first
 * step is about lr * sign(g), so a gradient that is float noise around zero may flip sign between
 * backends and move a weight by 2 lr without anything being wrong.
 * The full-batch step is then timed; its weights keep training from step to step, as they would.
 */
public class UNetStepBenchmark extends KernelBenchmark {
    static final int CHECK_BATCH = 2;
    /** Relative; float32 sums over ~10^5 terms agree with the double oracle to ~1e-5. */
    static final double LOSS_TOLERANCE = 1e-3;
    /** A parameter whose gradient rms is below this fraction of the whole model's is not compared. */
    static final double ZERO_GRAD = 1e-4;

    /** N x C x H x W of the stage's input. */
    @Param({"32x128x16x16"})
    public String stageShape;

    private UNetStep step;

    @Setup(Level.Trial)
    public void setup() {
        Device dev = benchDevice();
        int[] shape = ShapeParam.parse(stageShape, "N", "C", "H", "W");
        validate(dev, shape, stageShape + " on " + device);
        step = new UNetStep(dev, shape);
        FlopProfiler.declare(UNetStepBenchmark.class, "trainStep", UNetStep.flop(shape));
    }

    /**
     * Runs two steps at a reduced batch on {@code dev} and on the reference backend: after the
     * first, the loss and every parameter's gradient (normalized error, {@link Validation#check});
     * after the second, taken from the AdamW-updated weights, the loss. Returns the worst error.
     *
     * @throws IllegalStateException naming the step, parameter or loss, and both values, when they disagree
     */
    static double validate(Device dev, int[] shape, String what) {
        int[] small = shape.clone();
        small[0] = Math.min(shape[0], CHECK_BATCH);
        UNetStage benchStage = UNetStep.newStage(dev, small[1], 5);
        UNetStage refStage = UNetStep.newStage(Device.REFERENCE, small[1], 6);
        refStage.loadStateDict(benchStage.stateDict(), true);
        UNetStep bench = new UNetStep(dev, small, benchStage), ref = new UNetStep(Device.REFERENCE, small, refStage);
        String name = "UNet stage step " + what + " batch " + small[0];
        double worst = checkLoss(name + " step 1", bench.runUnscoped(), ref.runUnscoped());
        Map<String, Variable> refParams = refStage.namedParameters();
        double globalRms = gradRms(refParams.values());
        for (Map.Entry<String, Variable> e : benchStage.namedParameters().entrySet()) {
            Tensor expected = refParams.get(e.getKey()).grad();
            // A gradient that is zero in exact arithmetic (a conv bias right before a group norm with one
            // channel per group) is rounding noise on both sides; normalizing by its own rms would fail it.
            if (gradRms(List.of(refParams.get(e.getKey()))) < ZERO_GRAD * globalRms) continue;
            worst = Math.max(worst, Validation.check(name + " step 1 grad of " + e.getKey(), e.getValue().grad(), expected));
        }
        // Steps 2 and 3 run as timed, in a TensorScope; step 3 reuses arrays step 2 gave back.
        worst = Math.max(worst, checkLoss(name + " step 2 (after AdamW)", bench.run(), ref.run()));
        worst = Math.max(worst, checkLoss(name + " step 3 (pooled arrays)", bench.run(), ref.run()));
        Validation.report("UNet stage training step " + what + " (loss and gradients of step 1, losses of scoped steps 2 and 3, batch " + small[0] + ")", worst);
        return worst;
    }

    /** Root mean square over every element of the parameters' gradients. */
    private static double gradRms(Collection<Variable> params) {
        double sq = 0;
        long n = 0;
        for (Variable v : params) {
            for (float g : v.grad().toFloatArray()) sq += (double) g * g;
            n += v.numel();
        }
        return Math.sqrt(sq / Math.max(1, n));
    }

    /** Relative error of a loss; a gradient-sized normalization would hide an error in a scalar. */
    private static double checkLoss(String what, Tensor actual, Tensor expected) {
        float a = actual.item(), e = expected.item();
        double err = Math.abs(a - e) / Math.abs(e);
        if (!(err <= LOSS_TOLERANCE)) {
            throw new IllegalStateException(String.format(Locale.ROOT, "validation failed: %s: loss %.7g, the reference says %.7g "
                    + "(relative error %.3g > %.1g)", what, a, e, err, LOSS_TOLERANCE));
        }
        return err;
    }

    @Benchmark
    public Tensor trainStep() {
        return synced(step.run());
    }
}
