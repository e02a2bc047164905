package diffusion4j.kernels.opencl;

import static diffusion4j.kernels.opencl.ClLaunch.meta;
import static diffusion4j.kernels.opencl.ClLaunch.storage;

import diffusion4j.tensor.BinaryOp;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.UnaryOp;

/**
 * Unary, binary and where (elementwise.cl). The OpenCL expression of every op comes from one
 * exhaustive switch per enum below: a new enum row fails to compile here until it has its OpenCL
 * form. The rows become one generated kernel each, appended to elementwise.cl, so all ops share
 * one compiled program.
 */
final class ClElementwise {
    private ClElementwise() {}

    private static final String FILE = "elementwise.cl";

    /** UnaryOp's OpenCL C expression in {@code x} (float); must agree with {@link UnaryOp#apply}. */
    static String expression(UnaryOp op) {
        return switch (op) {
            case NEG -> "-x";
            case ABS -> "fabs(x)";
            case SIGN -> "x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x)"; // keeps signed zeros and NaN, like Math.signum
            case EXP -> "exp(x)";
            case LOG -> "log(x)";
            case SQRT -> "sqrt(x)";
            case RSQRT -> "1.0f / sqrt(x)"; // not native rsqrt: its error bound is looser than the parity tolerance
            case SQUARE -> "x * x";
            case RECIPROCAL -> "1.0f / x";
            case SIN -> "sin(x)";
            case COS -> "cos(x)";
            case TANH -> "tanh(x)";
            case SIGMOID -> "d4j_sigmoid(x)";
            case RELU -> "x > 0.0f ? x : 0.0f"; // NaN -> 0, as the Java ternary
            case SILU -> "x * d4j_sigmoid(x)";
            case GELU_ERF -> "0.5f * x * (1.0f + erf(x * M_SQRT1_2_F))";
            // 0.5 (1 + tanh(u)) = sigmoid(2u): the same function, but exact at +-inf where POCL's tanh is not exactly -+1.
            case GELU_TANH -> "x * d4j_sigmoid(1.5957691216057308f * (x + 0.044715f * x * x * x))";
            case ERF -> "erf(x)";
        };
    }

    /** BinaryOp's OpenCL C expression in {@code a}, {@code b} (float); must agree with {@link BinaryOp#apply}. */
    static String expression(BinaryOp op) {
        return switch (op) {
            case ADD -> "a + b";
            case SUB -> "a - b";
            case MUL -> "a * b";
            case DIV -> "a / b";
            case POW -> "d4j_pow(a, b)";
            case MAXIMUM -> "isnan(a) || isnan(b) ? NAN : fmax(a, b)";
            case MINIMUM -> "isnan(a) || isnan(b) ? NAN : fmin(a, b)";
            case EQ -> "a == b ? 1.0f : 0.0f";
            case NE -> "a != b ? 1.0f : 0.0f";
            case LT -> "a < b ? 1.0f : 0.0f";
            case LE -> "a <= b ? 1.0f : 0.0f";
            case GT -> "a > b ? 1.0f : 0.0f";
            case GE -> "a >= b ? 1.0f : 0.0f";
            case SILU_BACKWARD -> "a * (d4j_sigmoid(b) * (1.0f + b * (1.0f - d4j_sigmoid(b))))";
            case SIGMOID_BACKWARD -> "a * (b * (1.0f - b))";
            case TANH_BACKWARD -> "a * (1.0f - b * b)";
        };
    }

    /** The generated op table: one kernel per enum row. */
    static final String TABLE = table();

    private static String table() {
        StringBuilder sb = new StringBuilder();
        for (UnaryOp op : UnaryOp.values()) sb.append("UNARY_KERNEL(").append(op.name()).append(", ").append(expression(op)).append(")\n");
        for (BinaryOp op : BinaryOp.values()) sb.append("BINARY_KERNEL(").append(op.name()).append(", ").append(expression(op)).append(")\n");
        return sb.toString();
    }

    static Storage unary(ClRuntime rt, UnaryOp op, Tensor x) {
        int n = x.numel();
        ClStorage out = rt.allocate(n);
        ClLaunch.perElement(rt, rt.kernel(FILE, TABLE, "unary_" + op.name(), ""), n, storage(x), meta(x.layout()), out, n);
        return out;
    }

    static Storage binary(ClRuntime rt, BinaryOp op, Tensor a, Tensor b) {
        int n = a.numel();
        ClStorage out = rt.allocate(n);
        ClLaunch.perElement(rt, rt.kernel(FILE, TABLE, "binary_" + op.name(), ""), n,
                storage(a), meta(a.layout()), storage(b), meta(b.layout()), out, n);
        return out;
    }

    static Storage where(ClRuntime rt, Tensor cond, Tensor a, Tensor b) {
        int n = a.numel();
        ClStorage out = rt.allocate(n);
        ClLaunch.perElement(rt, rt.kernel(FILE, TABLE, "where_select", ""), n,
                storage(cond), meta(cond.layout()), storage(a), meta(a.layout()), storage(b), meta(b.layout()), out, n);
        return out;
    }
}
