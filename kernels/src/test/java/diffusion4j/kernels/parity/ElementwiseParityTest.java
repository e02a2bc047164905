package diffusion4j.kernels.parity;

import diffusion4j.kernels.parity.Inputs.Case;
import diffusion4j.kernels.parity.Inputs.Fix;
import diffusion4j.kernels.parity.Parity.Pair;
import diffusion4j.tensor.BinaryOp;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.UnaryOp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.Arrays;
import java.util.stream.Stream;

/** unary, binary and where against the reference, over every layout in {@link Inputs} and special values. */
class ElementwiseParityTest {
    /** Elementwise results are one rounding (plus the kernel's function approximation) from the double truth. */
    private static final double ATOL = 1e-4, RTOL = 1e-4;
    /** Zeros of both signs, NaN, infinities, a denormal-range value, and values that saturate exp and sigmoid. */
    private static final float[] SPECIAL = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e-30f,
            20f, -20f, 100f, -100f, 0.5f, -0.5f, 3f, -3f, 1f, -1f, 7.25f};

    static Stream<Arguments> unaryCases() {
        return Parity.devices().flatMap(d -> Arrays.stream(UnaryOp.values()).map(op -> Arguments.of(d, op)));
    }

    static Stream<Arguments> binaryCases() {
        return Parity.devices().flatMap(d -> Arrays.stream(BinaryOp.values()).map(op -> Arguments.of(d, op)));
    }

    private static Fix domain(UnaryOp op) {
        return switch (op) {
            case LOG, SQRT, RSQRT -> Fix.POSITIVE;
            default -> Fix.NONE;
        };
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("unaryCases")
    void unary(Device device, UnaryOp op) {
        long seed = 1;
        for (Case c : Inputs.UNARY) {
            Pair x = c.build(device, seed++, domain(op));
            Parity.close("unary " + op + " " + c.name(), device, x.shape(), ATOL, RTOL, b -> b.unary(op, x.on(b)));
        }
        Pair special = Parity.pair(device, SPECIAL, SPECIAL.length);
        Parity.close("unary " + op + " special values", device, special.shape(), ATOL, RTOL, b -> b.unary(op, special.on(b)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("binaryCases")
    void binary(Device device, BinaryOp op) {
        long seed = 100;
        for (Case[] c : Inputs.BINARY) {
            Pair a = c[0].build(device, seed++, op == BinaryOp.POW ? Fix.POSITIVE : Fix.QUANTIZED);
            Pair b = c[1].build(device, seed++, Fix.QUANTIZED);
            Parity.close("binary " + op + " " + c[0].name() + " with " + c[1].name(), device, a.shape(), ATOL, RTOL,
                    be -> be.binary(op, a.on(be), b.on(be)));
        }
        // Every special value against every other, NaN and infinities included. One exception: an
        // infinite gradient into SILU_BACKWARD at x = -100, where the true derivative (~1e-42) is
        // below float's normal range, so float gives inf * 0 = NaN (as PyTorch's float sigmoid does)
        // where the double reference says -inf; that row takes the finite gradients only.
        float[] left = op == BinaryOp.SILU_BACKWARD ? finite(SPECIAL) : SPECIAL;
        int m = left.length, n = SPECIAL.length;
        Pair a = Parity.pair(device, left, m, 1).view(t -> t.expand(m, n));
        Pair b = Parity.pair(device, SPECIAL, 1, n).view(t -> t.expand(m, n));
        Parity.close("binary " + op + " special values", device, a.shape(), ATOL, RTOL, be -> be.binary(op, a.on(be), b.on(be)));
    }

    private static float[] finite(float[] values) {
        int k = 0;
        float[] out = new float[values.length];
        for (float v : values) if (!Float.isInfinite(v)) out[k++] = v;
        return Arrays.copyOf(out, k);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("diffusion4j.kernels.parity.Parity#devices")
    void where(Device device) {
        long seed = 500;
        for (Case[] c : Inputs.BINARY) {
            Pair a = c[0].build(device, seed++, Fix.NONE), b = c[1].build(device, seed++, Fix.NONE);
            // The condition reuses b's layout (broadcast, stepped, ...) with 0/1/2 and some -0.5 values.
            Pair cond = c[1].build(device, seed++, x -> Math.round(x) / 2f);
            Parity.close("where " + c[0].name() + " / " + c[1].name(), device, a.shape(), 0, 0,
                    be -> be.where(cond.on(be), a.on(be), b.on(be)));
        }
        float[] conds = {0f, -0f, Float.NaN, 1f, -1f, 1e-30f};
        Pair cond = Parity.pair(device, conds, conds.length);
        Pair a = Parity.randn(device, 1, conds.length), b = Parity.randn(device, 2, conds.length);
        Parity.close("where with NaN and signed zero conditions", device, a.shape(), 0, 0, be -> be.where(cond.on(be), a.on(be), b.on(be)));
    }
}
