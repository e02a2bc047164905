package diffusion4j.kernels.parity;

import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.testing.TestData;
import diffusion4j.kernels.parity.Parity.Pair;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Named input layouts for the elementwise parity tests: odd sizes, a size spanning several tiles
 * and threads, and each kind of non-contiguous view (transposed, narrowed with an offset, stepped,
 * broadcast with stride 0, permuted rank 4, rank 0).
 */
final class Inputs {
    private Inputs() {}

    /** Data of {@code baseShape} seen through {@code view}. */
    record Case(String name, int[] baseShape, UnaryOperator<Tensor> view) {
        Pair build(Device device, long seed, Fix fix) {
            float[] data = TestData.gaussian(seed, 2f, Shapes.numel(baseShape));
            for (int i = 0; i < data.length; i++) data[i] = fix.apply(data[i]);
            return Parity.pair(device, data, baseShape).view(view);
        }
    }

    /** Moves random data into an op's domain (positive for log, quantized for comparisons). */
    @FunctionalInterface
    interface Fix {
        float apply(float x);

        Fix NONE = x -> x;
        Fix POSITIVE = x -> Math.abs(x) + 0.01f;
        /** Halves only, so equal pairs and exact zeros occur. */
        Fix QUANTIZED = x -> Math.round(x * 2) / 2f;
    }

    static Case of(String name, UnaryOperator<Tensor> view, int... baseShape) {
        return new Case(name, baseShape, view);
    }

    static Case dense(int... shape) {
        return new Case("dense " + java.util.Arrays.toString(shape), shape, t -> t);
    }

    /** One-input layouts. */
    static final List<Case> UNARY = List.of(
            of("rank 0", t -> t),
            dense(1), dense(3), dense(7, 17), dense(33, 100),
            dense(40_001), // several tiles on several threads, and a tail
            of("transposed", t -> t.transpose(0, 1), 17, 33),
            of("transposed wide", t -> t.transpose(0, 1), 100, 37), // long strided runs
            of("narrowed at an offset", t -> t.narrow(1, 3, 33), 7, 40),
            of("stepped", t -> t.slice(0, 1, 100, 3), 100, 9),
            of("broadcast row", t -> t.expand(17, 33), 1, 33),
            of("permuted rank 4", t -> t.permute(3, 1, 0, 2), 2, 3, 5, 7),
            of("selected and transposed", t -> t.select(1, 2).transpose(0, 1), 9, 4, 13));

    /** Two-input layouts of one shape: {a, b}. */
    static final List<Case[]> BINARY = List.of(
            new Case[] {dense(1), dense(1)},
            new Case[] {dense(7), dense(7)},
            new Case[] {dense(17, 33), dense(17, 33)},
            new Case[] {dense(40_001), dense(40_001)},
            new Case[] {of("transposed", t -> t.transpose(0, 1), 33, 17), of("broadcast row", t -> t.expand(17, 33), 1, 33)},
            new Case[] {of("narrowed", t -> t.narrow(1, 3, 33), 17, 40), of("broadcast column", t -> t.expand(17, 33), 17, 1)},
            new Case[] {of("stepped", t -> t.slice(0, 0, 51, 3), 51, 33), of("broadcast scalar", t -> t.expand(17, 33))},
            new Case[] {dense(201, 200), of("transposed", t -> t.transpose(0, 1), 200, 201)},
            new Case[] {of("permuted", t -> t.permute(2, 0, 1), 5, 7, 3), of("broadcast middle", t -> t.expand(3, 5, 7), 3, 1, 7)});
}
