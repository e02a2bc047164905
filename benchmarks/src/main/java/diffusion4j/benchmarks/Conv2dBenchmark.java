package diffusion4j.benchmarks;

import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Functional;
import diffusion4j.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The UNet's workhorse: a 3x3 convolution, stride 1, padding 1, C channels in and out, no bias.
 * {@code forward} times {@link Functional#conv2d}; {@code forwardBackward} adds the two gradient
 * kernels, {@link Functional#conv2dBackwardInput} and {@link Functional#conv2dBackwardWeight},
 * with a fixed incoming gradient dy. Work: 2 N C^2 9 H W flop per pass, three passes for
 * forward+backward.
 *
 * <p>Validation (the full computation runs on the benchmarked backend; the oracle computes slices
 * of it): y and dx on the first and last batch element, which are independent per sample; dw, a sum
 * over the whole batch, on the first and last {@link #OUT_SLICE} output channels, which need only
 * those channels of dy. For the GPU shape 64x256x32x32 that is about 7 GFLOP on the oracle (the CPU
 * backend for OpenCL trials), against 230 GFLOP timed per forward+backward.
 */
public class Conv2dBenchmark extends KernelBenchmark {
    static final int OUT_SLICE = 4;
    static final ConvParams SAME_3X3 = ConvParams.of(1, 1);

    /** N x C x H x W of the input; the output has the same shape. GPU suite: {@code -p convShape=64x256x32x32}. */
    @Param({"32x64x32x32", "32x128x16x16", "32x256x8x8"})
    public String convShape;

    private Tensor x, w, dy;
    private int[] xShape, wShape;

    @Setup(Level.Trial)
    public void setup() {
        Device dev = benchDevice();
        xShape = ShapeParam.parse(convShape, "N", "C", "H", "W");
        int n = xShape[0], c = xShape[1];
        wShape = new int[] {c, c, 3, 3};
        // 1/sqrt(fan-in) keeps outputs O(1), as a trained layer would.
        Twin tx = Twin.gaussian(dev, 21, xShape), tw = Twin.gaussian(dev, 22, 0f, (float) (1 / Math.sqrt(9.0 * c)), wShape);
        Twin tdy = Twin.gaussian(dev, 23, xShape);
        x = tx.bench();
        w = tw.bench();
        dy = tdy.bench();

        Tensor y = Functional.conv2d(x, w, null, SAME_3X3);
        Tensor dx = Functional.conv2dBackwardInput(dy, w, xShape, SAME_3X3);
        Tensor dw = Functional.conv2dBackwardWeight(x, dy, wShape, SAME_3X3);
        double worst = 0;
        for (int s : Validation.edgeStarts(n, 1)) {
            Tensor xs = tx.ref().narrow(0, s, 1), dys = tdy.ref().narrow(0, s, 1);
            int[] sliceShape = {1, c, xShape[2], xShape[3]};
            worst = Math.max(worst, Validation.check(what("y", "sample " + s), y.narrow(0, s, 1),
                    Functional.conv2d(xs, tw.ref(), null, SAME_3X3)));
            worst = Math.max(worst, Validation.check(what("dx", "sample " + s), dx.narrow(0, s, 1),
                    Functional.conv2dBackwardInput(dys, tw.ref(), sliceShape, SAME_3X3)));
        }
        for (int o : Validation.edgeStarts(c, OUT_SLICE)) {
            int len = Math.min(OUT_SLICE, c);
            worst = Math.max(worst, Validation.check(what("dw", "output channels " + o + ".." + (o + len - 1)), dw.narrow(0, o, len),
                    Functional.conv2dBackwardWeight(tx.ref(), tdy.ref().narrow(1, o, len), new int[] {len, c, 3, 3}, SAME_3X3)));
        }
        Validation.report("conv2d 3x3 " + convShape + " on " + checkedOn(), worst);

        double pass = 2.0 * n * c * c * 9 * xShape[2] * xShape[3];
        FlopProfiler.declare(Conv2dBenchmark.class, "forward", pass);
        FlopProfiler.declare(Conv2dBenchmark.class, "forwardBackward", 3 * pass);
    }

    private String what(String output, String slice) {
        return "conv2d 3x3 " + convShape + " " + output + " (" + slice + ")";
    }

    @Benchmark
    public Tensor forward() {
        return synced(Functional.conv2d(x, w, null, SAME_3X3));
    }

    @Benchmark
    public void forwardBackward(Blackhole bh) {
        bh.consume(Functional.conv2d(x, w, null, SAME_3X3));
        bh.consume(Functional.conv2dBackwardInput(dy, w, xShape, SAME_3X3));
        bh.consume(Functional.conv2dBackwardWeight(x, dy, wShape, SAME_3X3));
        sync();
    }
}
