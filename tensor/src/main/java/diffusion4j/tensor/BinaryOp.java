package diffusion4j.tensor;

/**
 * Elementwise binary primitives (inputs already broadcast to one shape). Comparisons return 1.0 for
 * true and 0.0 for false in a FLOAT32 tensor, usable directly as masks.
 */
public enum BinaryOp {
    ADD { public double apply(double a, double b) { return a + b; } },
    SUB { public double apply(double a, double b) { return a - b; } },
    MUL { public double apply(double a, double b) { return a * b; } },
    DIV { public double apply(double a, double b) { return a / b; } },
    POW { public double apply(double a, double b) { return Math.pow(a, b); } },
    /** NaN-propagating like torch.maximum. */
    MAXIMUM { public double apply(double a, double b) { return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b); } },
    MINIMUM { public double apply(double a, double b) { return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b); } },
    EQ { public double apply(double a, double b) { return a == b ? 1 : 0; } },
    NE { public double apply(double a, double b) { return a != b ? 1 : 0; } },
    LT { public double apply(double a, double b) { return a < b ? 1 : 0; } },
    LE { public double apply(double a, double b) { return a <= b ? 1 : 0; } },
    GT { public double apply(double a, double b) { return a > b ? 1 : 0; } },
    GE { public double apply(double a, double b) { return a >= b ? 1 : 0; } },
    // Backward primitives, as PyTorch's silu_backward, sigmoid_backward and tanh_backward: a is the
    // output's gradient. Each is one pass over memory where its composition from the rows above
    // would take four to seven, each writing a full-size temporary.
    /** {@code a * silu'(b)}, b the input x: silu'(x) = s (1 + x (1 - s)), s = sigmoid(x). */
    SILU_BACKWARD {
        public double apply(double a, double b) {
            double s = ScalarMath.sigmoid(b);
            return a * (s * (1 + b * (1 - s)));
        }
    },
    /** {@code a * b (1 - b)}, b the output sigmoid(x). */
    SIGMOID_BACKWARD { public double apply(double a, double b) { return a * (b * (1 - b)); } },
    /** {@code a * (1 - b^2)}, b the output tanh(x). */
    TANH_BACKWARD { public double apply(double a, double b) { return a * (1 - b * b); } };

    public abstract double apply(double a, double b);
}
