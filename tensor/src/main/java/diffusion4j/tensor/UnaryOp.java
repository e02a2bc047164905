package diffusion4j.tensor;

/**
 * Elementwise unary primitives. Each row carries its definition in double, which the reference
 * backend evaluates; fast backends switch over the enum exhaustively, so adding a row fails to
 * compile until every backend handles it.
 */
public enum UnaryOp {
    NEG { public double apply(double x) { return -x; } },
    ABS { public double apply(double x) { return Math.abs(x); } },
    SIGN { public double apply(double x) { return Math.signum(x); } },
    EXP { public double apply(double x) { return Math.exp(x); } },
    LOG { public double apply(double x) { return Math.log(x); } },
    SQRT { public double apply(double x) { return Math.sqrt(x); } },
    RSQRT { public double apply(double x) { return 1 / Math.sqrt(x); } },
    SQUARE { public double apply(double x) { return x * x; } },
    RECIPROCAL { public double apply(double x) { return 1 / x; } },
    SIN { public double apply(double x) { return Math.sin(x); } },
    COS { public double apply(double x) { return Math.cos(x); } },
    TANH { public double apply(double x) { return Math.tanh(x); } },
    SIGMOID { public double apply(double x) { return ScalarMath.sigmoid(x); } },
    RELU { public double apply(double x) { return x > 0 ? x : 0; } },
    /** x * sigmoid(x) (Elfwing et al. 2017; Ramachandran et al. 2017 "swish"). */
    SILU { public double apply(double x) { return x * ScalarMath.sigmoid(x); } },
    GELU_ERF { public double apply(double x) { return ScalarMath.geluErf(x); } },
    GELU_TANH { public double apply(double x) { return ScalarMath.geluTanh(x); } },
    ERF { public double apply(double x) { return ScalarMath.erf(x); } };

    /** The op's value at {@code x}, in double. */
    public abstract double apply(double x);
}
