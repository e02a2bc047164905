package diffusion4j.autograd;

import diffusion4j.autograd.ops.Binary;
import diffusion4j.autograd.ops.Clamp;
import diffusion4j.autograd.ops.Concat;
import diffusion4j.autograd.ops.Expand;
import diffusion4j.autograd.ops.MatMul;
import diffusion4j.autograd.ops.Max;
import diffusion4j.autograd.ops.Pad;
import diffusion4j.autograd.ops.Permute;
import diffusion4j.autograd.ops.Reshape;
import diffusion4j.autograd.ops.Slice;
import diffusion4j.autograd.ops.Softmax;
import diffusion4j.autograd.ops.Sum;
import diffusion4j.autograd.ops.Unary;
import diffusion4j.autograd.ops.Where;
import diffusion4j.tensor.BinaryOp;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.UnaryOp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link Tensor} plus its place in the recorded graph. Ops on variables compute on the tensors
 * and, when some input needs a gradient and recording is on ({@link Autograd#isGradEnabled()}),
 * remember the {@link Function} that made the result. {@link #backward()} then walks that record
 * in reverse and accumulates gradients into the leaves (parameters).
 *
 * <p>The ops mirror {@link Tensor}'s names and semantics (broadcasting included); their gradients
 * follow PyTorch's, including its conventions at kinks (relu'(0) = 0, abs'(0) = 0, ties of
 * maximum/minimum share the gradient equally, ties of {@link #max(int, boolean)} too, like torch.amax).
 */
public final class Variable {
    private Tensor data;
    private Tensor grad;
    private final boolean requiresGrad;
    /** The function that made this variable; null for leaves and constants. */
    private final Function gradFn;

    Variable(Tensor data, boolean requiresGrad, Function gradFn) {
        if (data == null) throw new NullPointerException("variable data is null");
        this.data = data;
        this.requiresGrad = requiresGrad;
        this.gradFn = gradFn;
    }

    /** A value no gradient flows into (inputs, targets, masks). */
    public static Variable constant(Tensor t) {
        return new Variable(t, false, null);
    }

    /** A leaf whose gradient backward computes (a trainable parameter). */
    public static Variable parameter(Tensor t) {
        return new Variable(t, true, null);
    }

    // ---- accessors ------------------------------------------------------------------------------

    public Tensor data() { return data; }
    /** The accumulated gradient of a leaf; null until a backward reaches it or after {@link #zeroGrad()}. */
    public Tensor grad() { return grad; }
    public boolean requiresGrad() { return requiresGrad; }
    /** Whether this variable is a leaf of the graph (made by the user, not by an op). */
    public boolean isLeaf() { return gradFn == null; }
    public int[] shape() { return data.shape(); }
    public int dim(int d) { return data.dim(d); }
    public int rank() { return data.rank(); }
    public int numel() { return data.numel(); }
    public Device device() { return data.device(); }
    Function gradFn() { return gradFn; }

    /** Replaces a leaf's value (an optimizer step); the shape and device must stay. */
    public void setData(Tensor t) {
        if (gradFn != null) throw new IllegalStateException("setData: only leaves can be assigned, this variable was made by " + gradFn.name());
        requireLike("setData", t);
        data = t;
    }

    /** Replaces the gradient (clipping, or null to clear); the shape and device must match the data. */
    public void setGrad(Tensor g) {
        if (g != null) requireLike("setGrad", g);
        grad = g;
    }

    public void zeroGrad() {
        grad = null;
    }

    private void requireLike(String op, Tensor t) {
        if (!Arrays.equals(t.shape(), data.shape())) {
            throw new IllegalArgumentException(op + ": shape " + Shapes.format(t.shape()) + " differs from the variable's "
                    + Shapes.format(data.shape()));
        }
        if (!t.device().equals(data.device())) {
            throw new IllegalArgumentException(op + ": tensor on " + t.device() + " but the variable lives on " + data.device());
        }
    }

    /** Adds {@code g} to the leaf gradient, dense, so optimizers never see a broadcast view. */
    void accumulate(Tensor g) {
        grad = grad == null ? g.contiguous() : grad.add(g);
    }

    /** The same data, cut off from the graph. */
    public Variable detach() {
        return new Variable(data, false, null);
    }

    // ---- backward -------------------------------------------------------------------------------

    /** Backward from a one-element variable (a loss), seeding 1; frees the graph afterwards. */
    public void backward() {
        if (numel() != 1) {
            throw new IllegalStateException("backward: a seed is needed for a variable of shape " + Shapes.format(shape())
                    + "; only one-element variables (losses) get the implicit seed 1");
        }
        backward(Tensor.full(device(), 1f, shape()), false);
    }

    /**
     * Accumulates d(sum(seed * this))/d(leaf) into every leaf that requires grad.
     *
     * @param seed        shaped like this variable
     * @param retainGraph keep the graph for another backward; otherwise it is freed and a second
     *                    backward through it fails
     */
    public void backward(Tensor seed, boolean retainGraph) {
        if (!requiresGrad) {
            throw new IllegalStateException("backward: this variable does not require grad (no input requires grad, "
                    + "or it was computed inside Autograd.noGrad())");
        }
        Engine.backward(this, seed, retainGraph);
    }

    // ---- elementwise ----------------------------------------------------------------------------

    private Variable unary(UnaryOp op) { return Unary.apply(op, this); }
    private Variable binary(BinaryOp op, Variable o) { return Binary.apply(op, this, o); }
    private Variable binary(BinaryOp op, float v) { return Binary.apply(op, this, constant(Tensor.scalar(device(), v))); }

    public Variable add(Variable o) { return binary(BinaryOp.ADD, o); }
    public Variable sub(Variable o) { return binary(BinaryOp.SUB, o); }
    public Variable mul(Variable o) { return binary(BinaryOp.MUL, o); }
    public Variable div(Variable o) { return binary(BinaryOp.DIV, o); }
    public Variable maximum(Variable o) { return binary(BinaryOp.MAXIMUM, o); }
    public Variable minimum(Variable o) { return binary(BinaryOp.MINIMUM, o); }
    /** {@code this ^ o} elementwise; the gradient for o needs this > 0 (it uses log(this)). */
    public Variable pow(Variable o) { return binary(BinaryOp.POW, o); }
    public Variable add(float v) { return binary(BinaryOp.ADD, v); }
    public Variable sub(float v) { return binary(BinaryOp.SUB, v); }
    public Variable mul(float v) { return binary(BinaryOp.MUL, v); }
    public Variable div(float v) { return binary(BinaryOp.DIV, v); }
    public Variable pow(float v) { return binary(BinaryOp.POW, v); }

    public Variable neg() { return unary(UnaryOp.NEG); }
    public Variable abs() { return unary(UnaryOp.ABS); }
    public Variable exp() { return unary(UnaryOp.EXP); }
    public Variable log() { return unary(UnaryOp.LOG); }
    public Variable sqrt() { return unary(UnaryOp.SQRT); }
    public Variable rsqrt() { return unary(UnaryOp.RSQRT); }
    public Variable square() { return unary(UnaryOp.SQUARE); }
    public Variable reciprocal() { return unary(UnaryOp.RECIPROCAL); }
    public Variable sin() { return unary(UnaryOp.SIN); }
    public Variable cos() { return unary(UnaryOp.COS); }
    public Variable tanh() { return unary(UnaryOp.TANH); }
    public Variable sigmoid() { return unary(UnaryOp.SIGMOID); }
    public Variable relu() { return unary(UnaryOp.RELU); }
    public Variable silu() { return unary(UnaryOp.SILU); }
    public Variable erf() { return unary(UnaryOp.ERF); }
    /** Exact gelu, x * Phi(x). */
    public Variable gelu() { return unary(UnaryOp.GELU_ERF); }
    /** The tanh approximation of gelu. */
    public Variable geluTanh() { return unary(UnaryOp.GELU_TANH); }

    /** Limits values to [min, max]; the gradient passes where min <= x <= max (torch.clamp). */
    public Variable clamp(float min, float max) { return Clamp.apply(this, min, max); }

    /** {@code cond != 0 ? a : b}, broadcast together; cond carries no gradient. */
    public static Variable where(Tensor cond, Variable a, Variable b) { return Where.apply(cond, a, b); }

    // ---- matmul and reductions ------------------------------------------------------------------

    /** torch.matmul: (..., M, K) @ (..., K, N), 1-D operands promoted, batch dims broadcast. */
    public Variable matmul(Variable o) { return MatMul.apply(this, o); }

    public Variable sum() { return Sum.apply(this, new int[0], false); }
    public Variable sum(int dim, boolean keepdim) { return Sum.apply(this, new int[] {dim}, keepdim); }
    public Variable sum(int[] dims, boolean keepdim) { return Sum.apply(this, dims, keepdim); }

    public Variable mean() { return mean(new int[0], false); }
    public Variable mean(int dim, boolean keepdim) { return mean(new int[] {dim}, keepdim); }
    public Variable mean(int[] dims, boolean keepdim) { return sum(dims, keepdim).div(data.count(dims)); }

    /** Variance over {@code dims}, divided by {@code count - correction}; composed, so its gradient is exact. */
    public Variable var(int[] dims, boolean keepdim, int correction) {
        Variable centered = sub(mean(dims, true));
        return centered.square().sum(dims, keepdim).div(Math.max(0, data.count(dims) - correction));
    }

    /** Maximum along {@code dim}; tied maxima share the gradient equally (torch.amax). */
    public Variable max(int dim, boolean keepdim) { return Max.apply(this, new int[] {dim}, keepdim); }
    /** Maximum of all elements; ties share the gradient. */
    public Variable max() { return Max.apply(this, new int[0], false); }

    public Variable softmax(int dim) { return Softmax.apply(this, dim, false); }
    public Variable logSoftmax(int dim) { return Softmax.apply(this, dim, true); }

    // ---- views and shape ------------------------------------------------------------------------

    public Variable reshape(int... shape) { return Reshape.apply(this, t -> t.reshape(shape)); }
    public Variable flatten(int start, int end) { return Reshape.apply(this, t -> t.flatten(start, end)); }
    public Variable unsqueeze(int dim) { return Reshape.apply(this, t -> t.unsqueeze(dim)); }
    public Variable squeeze(int dim) { return Reshape.apply(this, t -> t.squeeze(dim)); }
    /** A dense copy (for kernels that want one); the gradient passes unchanged. */
    public Variable contiguous() { return Reshape.apply(this, Tensor::contiguous); }

    public Variable permute(int... order) { return Permute.apply(this, order); }

    public Variable transpose(int d0, int d1) {
        int a = Shapes.dim(d0, rank(), "transpose"), b = Shapes.dim(d1, rank(), "transpose");
        int[] order = new int[rank()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        order[a] = b;
        order[b] = a;
        return permute(order);
    }

    public Variable t() {
        if (rank() != 2) throw new IllegalArgumentException("t: expects a matrix, got shape " + Shapes.format(shape()));
        return transpose(0, 1);
    }

    public Variable narrow(int dim, int start, int length) { return Slice.apply(this, dim, start, start + length, 1); }
    public Variable slice(int dim, int start, int end, int step) { return Slice.apply(this, dim, start, end, step); }

    public Variable select(int dim, int index) {
        int d = Shapes.dim(dim, rank(), "select");
        if (index < 0 || index >= dim(d)) {
            throw new IndexOutOfBoundsException("select: index " + index + " out of range for dim " + d + " of size " + dim(d));
        }
        return narrow(d, index, 1).squeeze(d);
    }

    public Variable expand(int... shape) { return Expand.apply(this, shape); }

    /** Constant padding, pairs from the last dim as torch.nn.functional.pad. */
    public Variable pad(int[] pads, float value) { return Pad.apply(this, pads, value); }

    /** Consecutive pieces of {@code size} along {@code dim} (the last may be smaller). */
    public List<Variable> split(int size, int dim) {
        List<Variable> out = new ArrayList<>();
        int d = Shapes.dim(dim, rank(), "split");
        int at = 0;
        for (Tensor piece : data.split(size, d)) {
            out.add(narrow(d, at, piece.dim(d)));
            at += piece.dim(d);
        }
        return out;
    }

    /** {@code n} (nearly) equal pieces along {@code dim}. */
    public List<Variable> chunk(int n, int dim) {
        if (n <= 0) throw new IllegalArgumentException("chunk: count must be positive, got " + n);
        int d = Shapes.dim(dim, rank(), "chunk");
        return split(Math.max(1, (dim(d) + n - 1) / n), d);
    }

    public static Variable concat(int dim, List<Variable> parts) { return Concat.apply(dim, parts); }

    public static Variable stack(int dim, List<Variable> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("stack: no variables");
        List<Variable> u = new ArrayList<>(parts.size());
        for (Variable v : parts) {
            if (!Arrays.equals(v.shape(), parts.get(0).shape())) {
                throw new IllegalArgumentException("stack: shapes " + Shapes.format(parts.get(0).shape()) + " and "
                        + Shapes.format(v.shape()) + " differ");
            }
            u.add(v.unsqueeze(dim));
        }
        return concat(dim, u);
    }

    @Override public String toString() {
        return "Variable(" + data + (gradFn != null ? ", from " + gradFn.name() : requiresGrad ? ", parameter" : "") + ")";
    }
}
