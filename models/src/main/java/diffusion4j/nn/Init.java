package diffusion4j.nn;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;

/**
 * Seeded weight initializers with torch.nn.init's definitions. Fans follow
 * {@code _calculate_fan_in_and_fan_out}: for a weight (out, in, k...) fan_in = in * prod(k) and
 * fan_out = out * prod(k); gains follow {@code calculate_gain}. Every draw comes from a
 * {@link Generator}, so the same seed gives the same network on every backend.
 */
public final class Init {
    private Init() {}

    /** Which fan kaiming scales by: FAN_IN keeps forward activations' variance, FAN_OUT the gradients'. */
    public enum Fan { FAN_IN, FAN_OUT }

    /** The gain of leaky_relu with negative slope {@code a}, sqrt(2 / (1 + a^2)); a = 0 is relu's sqrt(2). */
    public static double leakyReluGain(double a) {
        return Math.sqrt(2.0 / (1 + a * a));
    }

    /** fan_in of a weight shaped (out, in, k...); for a vector, its length. */
    public static int fanIn(int[] shape) {
        return fans(shape)[0];
    }

    public static int fanOut(int[] shape) {
        return fans(shape)[1];
    }

    private static int[] fans(int[] shape) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("fan in and fan out need a weight with at least 2 dims, got " + Shapes.format(shape));
        }
        int receptive = 1;
        for (int i = 2; i < shape.length; i++) receptive *= shape[i];
        return new int[] {shape[1] * receptive, shape[0] * receptive};
    }

    /** Uniform on [lo, hi). */
    public static Tensor uniform(Device device, Generator gen, double lo, double hi, int... shape) {
        if (!(hi >= lo)) throw new IllegalArgumentException("uniform: need lo <= hi, got [" + lo + ", " + hi + ")");
        return Tensor.rand(device, gen, shape).mul((float) (hi - lo)).add((float) lo);
    }

    /** Normal with the given mean and standard deviation. */
    public static Tensor normal(Device device, Generator gen, double mean, double std, int... shape) {
        if (!(std >= 0)) throw new IllegalArgumentException("normal: std must be >= 0, got " + std);
        return Tensor.randn(device, gen, shape).mul((float) std).add((float) mean);
    }

    /**
     * He et al. 2015 ("Delving deep into rectifiers", eq. 10/14) uniform: U(-b, b) with
     * b = gain(a) * sqrt(3 / fan). {@code a} is the leaky_relu slope the gain assumes.
     */
    public static Tensor kaimingUniform(Device device, Generator gen, double a, Fan mode, int... shape) {
        double bound = leakyReluGain(a) * Math.sqrt(3.0 / fan(shape, mode));
        return uniform(device, gen, -bound, bound, shape);
    }

    /** He et al. 2015 normal: N(0, std^2) with std = gain(a) / sqrt(fan). */
    public static Tensor kaimingNormal(Device device, Generator gen, double a, Fan mode, int... shape) {
        return normal(device, gen, 0, leakyReluGain(a) / Math.sqrt(fan(shape, mode)), shape);
    }

    /** Glorot and Bengio 2010 (eq. 16) uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)). */
    public static Tensor xavierUniform(Device device, Generator gen, double gain, int... shape) {
        double bound = gain * Math.sqrt(6.0 / (fanIn(shape) + fanOut(shape)));
        return uniform(device, gen, -bound, bound, shape);
    }

    /** Glorot and Bengio 2010 normal: std = gain * sqrt(2 / (fan_in + fan_out)). */
    public static Tensor xavierNormal(Device device, Generator gen, double gain, int... shape) {
        return normal(device, gen, 0, gain * Math.sqrt(2.0 / (fanIn(shape) + fanOut(shape))), shape);
    }

    public static Tensor zeros(Device device, int... shape) {
        return Tensor.zeros(device, shape);
    }

    public static Tensor ones(Device device, int... shape) {
        return Tensor.ones(device, shape);
    }

    /**
     * PyTorch's default for Linear and Conv2d weights: kaiming uniform with a = sqrt(5), which works
     * out to U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
     */
    public static Tensor defaultWeight(Device device, Generator gen, int... shape) {
        return kaimingUniform(device, gen, Math.sqrt(5), Fan.FAN_IN, shape);
    }

    /** PyTorch's default bias for Linear and Conv2d: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) of the weight's fan_in. */
    public static Tensor defaultBias(Device device, Generator gen, int fanIn, int size) {
        double bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
        return uniform(device, gen, -bound, bound, size);
    }

    private static int fan(int[] shape, Fan mode) {
        int f = mode == Fan.FAN_IN ? fanIn(shape) : fanOut(shape);
        if (f <= 0) throw new IllegalArgumentException("kaiming: zero " + mode + " for shape " + Shapes.format(shape));
        return f;
    }
}
