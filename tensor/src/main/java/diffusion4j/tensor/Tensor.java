package diffusion4j.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An n-dimensional array of FLOAT32 on one {@link Device}: a {@link Storage} seen through a
 * {@link Layout}. Immutable to users: every op returns a new tensor, and views (reshape, permute,
 * narrow, expand, ...) share storage and copy nothing. Binary ops broadcast like NumPy.
 *
 * <p>This class holds the front end only: it validates shapes, builds layouts, and hands each
 * primitive to the tensor's {@link Backend}. Composite ops (mean, variance, clamp, pad, concat)
 * are written here from primitives, so they run on every backend. Heavier neural-network ops are in
 * {@link Functional}. Gradients are not tracked here; the autograd module records them on top.
 */
public final class Tensor {
    private final Storage storage;
    private final Layout layout;
    private final Backend backend;

    private Tensor(Storage storage, Layout layout, Backend backend) {
        if (layout.extent() > storage.length()) {
            throw new IllegalArgumentException(layout + " reaches element " + (layout.extent() - 1)
                    + " of a storage of " + storage.length());
        }
        this.storage = storage;
        this.layout = layout;
        this.backend = backend;
    }

    // ---- wrapping and factories -----------------------------------------------------------------

    /** A tensor viewing {@code storage} (of {@code backend}) through {@code layout}. For backends and kernels. */
    public static Tensor wrap(Storage storage, Layout layout, Backend backend) {
        return new Tensor(storage, layout, backend);
    }

    /** A dense tensor of {@code shape} over {@code storage}. */
    public static Tensor wrap(Storage storage, int[] shape, Backend backend) {
        return new Tensor(storage, Layout.contiguous(shape), backend);
    }

    /** A tensor holding a copy of {@code data} in row-major order. */
    public static Tensor of(Device device, float[] data, int... shape) {
        int n = Shapes.numel(Shapes.checked(shape));
        if (n != data.length) {
            throw new IllegalArgumentException("of: " + data.length + " values given for shape " + Shapes.format(shape)
                    + " (" + n + " elements)");
        }
        Backend b = Backends.get(device);
        return wrap(b.upload(data.clone()), shape, b);
    }

    /**
     * A tensor over {@code data} without a copy where the backend keeps host arrays: the tensor
     * takes ownership, and the caller must not touch {@code data} afterwards. For loaders that
     * build a fresh array per tensor (safetensors, datasets).
     */
    public static Tensor adopt(Device device, float[] data, int... shape) {
        int n = Shapes.numel(Shapes.checked(shape));
        if (n != data.length) {
            throw new IllegalArgumentException("adopt: " + data.length + " values given for shape " + Shapes.format(shape)
                    + " (" + n + " elements)");
        }
        Backend b = Backends.get(device);
        return wrap(b.upload(data), shape, b);
    }

    public static Tensor of(float[] data, int... shape) {
        return of(Device.defaultDevice(), data, shape);
    }

    /** A rank-0 tensor. */
    public static Tensor scalar(Device device, float value) {
        return full(device, value);
    }

    public static Tensor scalar(float value) {
        return scalar(Device.defaultDevice(), value);
    }

    public static Tensor full(Device device, float value, int... shape) {
        Backend b = Backends.get(device);
        return wrap(b.full(Shapes.numel(Shapes.checked(shape)), value), shape, b);
    }

    public static Tensor full(float value, int... shape) {
        return full(Device.defaultDevice(), value, shape);
    }

    public static Tensor zeros(Device device, int... shape) {
        Backend b = Backends.get(device);
        return wrap(b.allocate(Shapes.numel(Shapes.checked(shape))), shape, b);
    }

    public static Tensor zeros(int... shape) {
        return zeros(Device.defaultDevice(), shape);
    }

    public static Tensor ones(Device device, int... shape) {
        return full(device, 1f, shape);
    }

    public static Tensor ones(int... shape) {
        return ones(Device.defaultDevice(), shape);
    }

    /** {@code start, start+step, ...} below {@code end} (above, for a negative step). */
    public static Tensor arange(Device device, float start, float end, float step) {
        if (step == 0 || !Float.isFinite(step)) throw new IllegalArgumentException("arange: step must be finite and non-zero, got " + step);
        double count = Math.ceil((end - (double) start) / step);
        if (count > Integer.MAX_VALUE) throw new IllegalArgumentException("arange: too many elements (" + count + ")");
        int n = (int) Math.max(0, count);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (start + (double) i * step);
        return of(device, v, n);
    }

    public static Tensor arange(float start, float end, float step) {
        return arange(Device.defaultDevice(), start, end, step);
    }

    /** {@code n} evenly spaced values from {@code start} to {@code end} inclusive. */
    public static Tensor linspace(Device device, float start, float end, int n) {
        if (n < 0) throw new IllegalArgumentException("linspace: negative count " + n);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = n == 1 ? start : (float) (start + (end - (double) start) * i / (n - 1));
        return of(device, v, n);
    }

    public static Tensor linspace(float start, float end, int n) {
        return linspace(Device.defaultDevice(), start, end, n);
    }

    /** Uniform on [0, 1), drawn from {@code gen}'s Philox stream. */
    public static Tensor rand(Device device, Generator gen, int... shape) {
        return random(device, RandomKind.UNIFORM, gen, shape);
    }

    public static Tensor rand(Generator gen, int... shape) {
        return rand(Device.defaultDevice(), gen, shape);
    }

    /** Standard normal, drawn from {@code gen}'s Philox stream. */
    public static Tensor randn(Device device, Generator gen, int... shape) {
        return random(device, RandomKind.NORMAL, gen, shape);
    }

    public static Tensor randn(Generator gen, int... shape) {
        return randn(Device.defaultDevice(), gen, shape);
    }

    private static Tensor random(Device device, RandomKind kind, Generator gen, int... shape) {
        int n = Shapes.numel(Shapes.checked(shape));
        Backend b = Backends.get(device);
        long offset = gen.reserve(kind, n);
        return wrap(b.random(kind, n, gen.seed(), offset), shape, b);
    }

    // ---- accessors ------------------------------------------------------------------------------

    public Storage storage() { return storage; }
    public Layout layout() { return layout; }
    public Backend backend() { return backend; }
    public Device device() { return backend.device(); }
    public DType dtype() { return storage.dtype(); }
    public int[] shape() { return layout.shape(); }
    public int rank() { return layout.rank(); }
    public int numel() { return layout.numel(); }
    public boolean isContiguous() { return layout.isContiguous(); }

    /** Size of {@code dim} (negative counts from the end). */
    public int dim(int dim) {
        return layout.dim(Shapes.dim(dim, rank(), "dim"));
    }

    /** The elements in row-major order, as a new array. */
    public float[] toFloatArray() {
        return backend.download(this);
    }

    /** The value of a one-element tensor. */
    public float item() {
        if (numel() != 1) throw new IllegalStateException("item: tensor of shape " + Shapes.format(shape()) + " has " + numel() + " elements, not 1");
        return get(new int[rank()]);
    }

    /** One element; for tests and printing, not for loops. */
    public float get(int... index) {
        int at = layout.offsetOf(index);
        if (storage instanceof HeapStorage h) return h.data()[at];
        return wrap(storage, new Layout(new int[0], new int[0], at), backend).toFloatArray()[0];
    }

    /** This tensor on {@code device} (itself when already there). */
    public Tensor to(Device device) {
        if (device.equals(device())) return this;
        return of(device, toFloatArray(), shape());
    }

    // ---- views ----------------------------------------------------------------------------------

    private Tensor view(Layout l) {
        return new Tensor(storage, l, backend);
    }

    /** A dense copy, or this tensor when it already is dense. */
    public Tensor contiguous() {
        if (isContiguous()) return this;
        return wrap(backend.contiguous(this), shape(), backend);
    }

    /** Same elements in a new shape (one size may be -1); a view when strides allow, else a copy. */
    public Tensor reshape(int... newShape) {
        int[] s = resolveShape(newShape);
        Layout v = layout.reshapeView(s);
        return v != null ? view(v) : contiguous().view(Layout.contiguous(s));
    }

    /** Like {@link #reshape} but fails instead of copying. */
    public Tensor view(int... newShape) {
        int[] s = resolveShape(newShape);
        Layout v = layout.reshapeView(s);
        if (v == null) {
            throw new IllegalArgumentException("view: " + layout + " cannot be viewed as " + Shapes.format(s)
                    + " without a copy; use reshape");
        }
        return view(v);
    }

    private int[] resolveShape(int[] newShape) {
        int[] s = newShape.clone();
        int infer = -1, known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape: more than one -1 in " + Shapes.format(newShape));
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("reshape: negative size in " + Shapes.format(newShape));
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || numel() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot infer -1 in " + Shapes.format(newShape) + " for "
                        + numel() + " elements");
            }
            s[infer] = numel() / known;
        }
        return s;
    }

    /** Merges dims {@code start..end} (inclusive) into one. */
    public Tensor flatten(int start, int end) {
        int r = rank();
        if (r == 0) return reshape(1);
        int a = Shapes.dim(start, r, "flatten"), b = Shapes.dim(end, r, "flatten");
        if (a > b) throw new IllegalArgumentException("flatten: start dim " + a + " after end dim " + b);
        int[] s = shape();
        int[] out = new int[r - (b - a)];
        int m = 1;
        for (int i = a; i <= b; i++) m *= s[i];
        System.arraycopy(s, 0, out, 0, a);
        out[a] = m;
        System.arraycopy(s, b + 1, out, a + 1, r - b - 1);
        return reshape(out);
    }

    public Tensor permute(int... order) { return view(layout.permute(order)); }
    public Tensor transpose(int d0, int d1) { return view(layout.transpose(d0, d1)); }

    /** The transpose of a matrix. */
    public Tensor t() {
        if (rank() != 2) throw new IllegalArgumentException("t: expects a matrix, got shape " + Shapes.format(shape()));
        return transpose(0, 1);
    }

    public Tensor narrow(int dim, int start, int length) { return view(layout.narrow(dim, start, length)); }
    public Tensor slice(int dim, int start, int end, int step) { return view(layout.slice(dim, start, end, step)); }
    public Tensor select(int dim, int index) { return view(layout.select(dim, index)); }
    public Tensor expand(int... shape) { return view(layout.expand(shape)); }
    public Tensor unsqueeze(int dim) { return view(layout.unsqueeze(dim)); }
    public Tensor squeeze(int dim) { return view(layout.squeeze(dim)); }

    /** Broadcasts to {@code shape} when it differs (a view). */
    public Tensor broadcastTo(int... shape) {
        return Arrays.equals(shape, shape()) ? this : expand(shape);
    }

    // ---- elementwise ----------------------------------------------------------------------------

    public Tensor apply(UnaryOp op) {
        return wrap(backend.unary(op, this), shape(), backend);
    }

    public Tensor neg() { return apply(UnaryOp.NEG); }
    public Tensor abs() { return apply(UnaryOp.ABS); }
    public Tensor sign() { return apply(UnaryOp.SIGN); }
    public Tensor exp() { return apply(UnaryOp.EXP); }
    public Tensor log() { return apply(UnaryOp.LOG); }
    public Tensor sqrt() { return apply(UnaryOp.SQRT); }
    public Tensor rsqrt() { return apply(UnaryOp.RSQRT); }
    public Tensor square() { return apply(UnaryOp.SQUARE); }
    public Tensor reciprocal() { return apply(UnaryOp.RECIPROCAL); }
    public Tensor sin() { return apply(UnaryOp.SIN); }
    public Tensor cos() { return apply(UnaryOp.COS); }
    public Tensor tanh() { return apply(UnaryOp.TANH); }
    public Tensor sigmoid() { return apply(UnaryOp.SIGMOID); }
    public Tensor relu() { return apply(UnaryOp.RELU); }
    public Tensor silu() { return apply(UnaryOp.SILU); }
    public Tensor erf() { return apply(UnaryOp.ERF); }
    /** Exact gelu, x * Phi(x). */
    public Tensor gelu() { return apply(UnaryOp.GELU_ERF); }
    /** The tanh approximation of gelu. */
    public Tensor geluTanh() { return apply(UnaryOp.GELU_TANH); }

    /** {@code op(this, other)} with broadcasting. */
    public Tensor apply(BinaryOp op, Tensor other) {
        checkSameDevice(other, op.name().toLowerCase());
        int[] out = Shapes.broadcast(shape(), other.shape(), op.name().toLowerCase());
        return wrap(backend.binary(op, broadcastTo(out), other.broadcastTo(out)), out, backend);
    }

    /** {@code op(this, value)}. */
    public Tensor apply(BinaryOp op, float value) {
        return apply(op, scalar(device(), value));
    }

    public Tensor add(Tensor o) { return apply(BinaryOp.ADD, o); }
    public Tensor sub(Tensor o) { return apply(BinaryOp.SUB, o); }
    public Tensor mul(Tensor o) { return apply(BinaryOp.MUL, o); }
    public Tensor div(Tensor o) { return apply(BinaryOp.DIV, o); }
    public Tensor pow(Tensor o) { return apply(BinaryOp.POW, o); }
    public Tensor maximum(Tensor o) { return apply(BinaryOp.MAXIMUM, o); }
    public Tensor minimum(Tensor o) { return apply(BinaryOp.MINIMUM, o); }
    public Tensor eq(Tensor o) { return apply(BinaryOp.EQ, o); }
    public Tensor ne(Tensor o) { return apply(BinaryOp.NE, o); }
    public Tensor lt(Tensor o) { return apply(BinaryOp.LT, o); }
    public Tensor le(Tensor o) { return apply(BinaryOp.LE, o); }
    public Tensor gt(Tensor o) { return apply(BinaryOp.GT, o); }
    public Tensor ge(Tensor o) { return apply(BinaryOp.GE, o); }

    public Tensor add(float v) { return apply(BinaryOp.ADD, v); }
    public Tensor sub(float v) { return apply(BinaryOp.SUB, v); }
    public Tensor mul(float v) { return apply(BinaryOp.MUL, v); }
    public Tensor div(float v) { return apply(BinaryOp.DIV, v); }
    public Tensor pow(float v) { return apply(BinaryOp.POW, v); }
    public Tensor maximum(float v) { return apply(BinaryOp.MAXIMUM, v); }
    public Tensor minimum(float v) { return apply(BinaryOp.MINIMUM, v); }
    public Tensor eq(float v) { return apply(BinaryOp.EQ, v); }
    public Tensor ne(float v) { return apply(BinaryOp.NE, v); }
    public Tensor lt(float v) { return apply(BinaryOp.LT, v); }
    public Tensor le(float v) { return apply(BinaryOp.LE, v); }
    public Tensor gt(float v) { return apply(BinaryOp.GT, v); }
    public Tensor ge(float v) { return apply(BinaryOp.GE, v); }

    /** Limits values to {@code [min, max]}. */
    public Tensor clamp(float min, float max) {
        if (min > max) throw new IllegalArgumentException("clamp: min " + min + " > max " + max);
        return maximum(min).minimum(max);
    }

    /** {@code cond != 0 ? a : b}, all three broadcast together. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        cond.checkSameDevice(a, "where");
        cond.checkSameDevice(b, "where");
        int[] out = Shapes.broadcast(Shapes.broadcast(cond.shape(), a.shape(), "where"), b.shape(), "where");
        Backend be = cond.backend;
        return wrap(be.where(cond.broadcastTo(out), a.broadcastTo(out), b.broadcastTo(out)), out, be);
    }

    // ---- reductions -----------------------------------------------------------------------------

    /** Reduces over {@code dims} (negative allowed; empty means all). */
    public Tensor reduce(ReduceOp op, int[] dims, boolean keepdim) {
        int[] d = normalizeDims(dims, op.name().toLowerCase());
        if (d.length == 0) return this; // rank 0: nothing to reduce
        for (int i : d) {
            if (dim(i) == 0 && op != ReduceOp.SUM) {
                throw new IllegalArgumentException(op.name().toLowerCase() + ": cannot reduce over dim " + i + " of size 0");
            }
        }
        int[] kept = shape();
        for (int i : d) kept[i] = 1;
        Tensor r = wrap(backend.reduce(op, this, d), kept, backend);
        return keepdim ? r : r.reshape(dropDims(kept, d));
    }

    public Tensor sum() { return reduce(ReduceOp.SUM, new int[0], false); }
    public Tensor sum(int dim, boolean keepdim) { return reduce(ReduceOp.SUM, new int[] {dim}, keepdim); }
    public Tensor sum(int[] dims, boolean keepdim) { return reduce(ReduceOp.SUM, dims, keepdim); }
    public Tensor max() { return reduce(ReduceOp.MAX, new int[0], false); }
    public Tensor max(int dim, boolean keepdim) { return reduce(ReduceOp.MAX, new int[] {dim}, keepdim); }
    public Tensor min() { return reduce(ReduceOp.MIN, new int[0], false); }
    public Tensor min(int dim, boolean keepdim) { return reduce(ReduceOp.MIN, new int[] {dim}, keepdim); }

    public Tensor mean() { return mean(new int[0], false); }
    public Tensor mean(int dim, boolean keepdim) { return mean(new int[] {dim}, keepdim); }

    public Tensor mean(int[] dims, boolean keepdim) {
        return sum(dims, keepdim).div(count(dims));
    }

    /** Variance over {@code dims}, divided by {@code count - correction} (1: unbiased, 0: biased). */
    public Tensor var(int[] dims, boolean keepdim, int correction) {
        Tensor centered = sub(mean(dims, true));
        return centered.square().sum(dims, keepdim).div(Math.max(0, count(dims) - correction));
    }

    /** Number of elements a reduction over {@code dims} combines. */
    public int count(int[] dims) {
        int n = 1;
        for (int d : normalizeDims(dims, "count")) n *= dim(d);
        return n;
    }

    public Tensor argmax(int dim, boolean keepdim) { return argReduce(ReduceOp.MAX, dim, keepdim); }
    public Tensor argmin(int dim, boolean keepdim) { return argReduce(ReduceOp.MIN, dim, keepdim); }

    private Tensor argReduce(ReduceOp op, int dim, boolean keepdim) {
        int d = Shapes.dim(dim, rank(), "arg" + op.name().toLowerCase());
        if (dim(d) == 0) throw new IllegalArgumentException("arg" + op.name().toLowerCase() + ": dim " + d + " has size 0");
        int[] kept = shape();
        kept[d] = 1;
        Tensor r = wrap(backend.argReduce(op, this, d), kept, backend);
        return keepdim ? r : r.squeeze(d);
    }

    private int[] normalizeDims(int[] dims, String op) {
        if (dims.length == 0) {
            int[] all = new int[rank()];
            for (int i = 0; i < all.length; i++) all[i] = i;
            return all;
        }
        int[] d = new int[dims.length];
        for (int i = 0; i < dims.length; i++) d[i] = Shapes.dim(dims[i], rank(), op);
        Arrays.sort(d);
        for (int i = 1; i < d.length; i++) {
            if (d[i] == d[i - 1]) throw new IllegalArgumentException(op + ": dim " + d[i] + " repeated in " + Arrays.toString(dims));
        }
        return d;
    }

    private static int[] dropDims(int[] shape, int[] sortedDims) {
        int[] out = new int[shape.length - sortedDims.length];
        for (int i = 0, j = 0, k = 0; i < shape.length; i++) {
            if (k < sortedDims.length && sortedDims[k] == i) k++;
            else out[j++] = shape[i];
        }
        return out;
    }

    public Tensor softmax(int dim) {
        return wrap(backend.softmax(this, Shapes.dim(dim, rank(), "softmax"), false), shape(), backend);
    }

    public Tensor logSoftmax(int dim) {
        return wrap(backend.softmax(this, Shapes.dim(dim, rank(), "logSoftmax"), true), shape(), backend);
    }

    // ---- matmul ---------------------------------------------------------------------------------

    /**
     * Matrix product with torch.matmul's rules: 1-D operands are promoted (and the added dim
     * removed after), leading batch dims broadcast. (..., M, K) @ (..., K, N) -> (..., M, N).
     */
    public Tensor matmul(Tensor other) {
        checkSameDevice(other, "matmul");
        if (rank() == 0 || other.rank() == 0) throw new IllegalArgumentException("matmul: scalars are not matrices");
        Tensor a = rank() == 1 ? unsqueeze(0) : this;
        Tensor b = other.rank() == 1 ? other.unsqueeze(1) : other;
        int m = a.dim(-2), k = a.dim(-1), k2 = b.dim(-2), n = b.dim(-1);
        if (k != k2) {
            throw new IllegalArgumentException("matmul: shapes " + Shapes.format(shape()) + " and " + Shapes.format(other.shape())
                    + " do not chain (" + k + " vs " + k2 + ")");
        }
        int[] batch = Shapes.broadcast(Arrays.copyOf(a.shape(), a.rank() - 2), Arrays.copyOf(b.shape(), b.rank() - 2), "matmul");
        int bt = Shapes.numel(batch);
        Tensor a3 = a.expand(concat(batch, m, k)).reshape(bt, m, k);
        Tensor b3 = b.expand(concat(batch, k, n)).reshape(bt, k, n);
        Tensor out = wrap(backend.matmul(a3, b3), new int[] {bt, m, n}, backend).reshape(concat(batch, m, n));
        if (rank() == 1) out = out.squeeze(-2);
        if (other.rank() == 1) out = out.squeeze(-1);
        return out;
    }

    private static int[] concat(int[] head, int... tail) {
        int[] r = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, r, head.length, tail.length);
        return r;
    }

    // ---- indexing -------------------------------------------------------------------------------

    /** torch.gather: {@code out[..i..] = this[.. index[..i..] ..]} along {@code dim}; index is FLOAT32. */
    public Tensor gather(int dim, Tensor index) {
        checkSameDevice(index, "gather");
        int d = Shapes.dim(dim, rank(), "gather");
        checkIndexShape("gather", index.shape(), shape(), d);
        return wrap(backend.gather(this, d, index), index.shape(), backend);
    }

    /** A zero tensor of {@code shape} with {@code src} added at the positions {@code index} names along {@code dim}. */
    public static Tensor scatterAdd(int[] shape, int dim, Tensor index, Tensor src) {
        index.checkSameDevice(src, "scatterAdd");
        int d = Shapes.dim(dim, shape.length, "scatterAdd");
        if (!Arrays.equals(index.shape(), src.shape())) {
            throw new IllegalArgumentException("scatterAdd: index shape " + Shapes.format(index.shape()) + " != src shape "
                    + Shapes.format(src.shape()));
        }
        checkIndexShape("scatterAdd", index.shape(), Shapes.checked(shape), d);
        return wrap(src.backend.scatterAdd(shape.clone(), d, index, src), shape, src.backend);
    }

    private static void checkIndexShape(String op, int[] index, int[] target, int dim) {
        if (index.length != target.length) {
            throw new IllegalArgumentException(op + ": index of rank " + index.length + " for a tensor of rank " + target.length);
        }
        for (int i = 0; i < index.length; i++) {
            if (i != dim && index[i] > target[i]) {
                throw new IllegalArgumentException(op + ": index shape " + Shapes.format(index) + " exceeds tensor shape "
                        + Shapes.format(target) + " at dim " + i);
            }
        }
    }

    // ---- joining and padding --------------------------------------------------------------------

    /** Joins tensors along an existing dim; all other sizes must agree. */
    public static Tensor concat(int dim, List<Tensor> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("concat: no tensors");
        Tensor first = parts.get(0);
        int d = Shapes.dim(dim, first.rank(), "concat");
        int[] out = first.shape();
        out[d] = 0;
        for (Tensor t : parts) {
            first.checkSameDevice(t, "concat");
            if (t.rank() != first.rank()) throw new IllegalArgumentException("concat: ranks differ: " + Shapes.format(first.shape()) + " and " + Shapes.format(t.shape()));
            for (int i = 0; i < t.rank(); i++) {
                if (i != d && t.dim(i) != first.dim(i)) {
                    throw new IllegalArgumentException("concat: shapes " + Shapes.format(first.shape()) + " and " + Shapes.format(t.shape())
                            + " differ at dim " + i);
                }
            }
            out[d] += t.dim(d);
        }
        Backend b = first.backend;
        Storage s = b.allocate(Shapes.numel(out));
        Layout whole = Layout.contiguous(out);
        int at = 0;
        for (Tensor t : parts) {
            b.copyInto(t, s, whole.narrow(d, at, t.dim(d)));
            at += t.dim(d);
        }
        return wrap(s, out, b);
    }

    public static Tensor concat(int dim, Tensor... parts) {
        return concat(dim, List.of(parts));
    }

    /** Joins equally shaped tensors along a new dim. */
    public static Tensor stack(int dim, List<Tensor> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("stack: no tensors");
        List<Tensor> u = new ArrayList<>(parts.size());
        for (Tensor t : parts) {
            if (!Arrays.equals(t.shape(), parts.get(0).shape())) {
                throw new IllegalArgumentException("stack: shapes " + Shapes.format(parts.get(0).shape()) + " and "
                        + Shapes.format(t.shape()) + " differ");
            }
            u.add(t.unsqueeze(dim));
        }
        return concat(dim, u);
    }

    /** Views of consecutive pieces of {@code size} along {@code dim} (the last may be smaller). */
    public List<Tensor> split(int size, int dim) {
        if (size <= 0) throw new IllegalArgumentException("split: size must be positive, got " + size);
        int d = Shapes.dim(dim, rank(), "split");
        List<Tensor> out = new ArrayList<>();
        for (int at = 0; at < dim(d); at += size) out.add(narrow(d, at, Math.min(size, dim(d) - at)));
        return out;
    }

    /** {@code n} views of (nearly) equal size along {@code dim}. */
    public List<Tensor> chunk(int n, int dim) {
        if (n <= 0) throw new IllegalArgumentException("chunk: count must be positive, got " + n);
        int d = Shapes.dim(dim, rank(), "chunk");
        return split(Math.max(1, (dim(d) + n - 1) / n), d);
    }

    /**
     * Pads with a constant. {@code pads} lists (before, after) pairs starting from the LAST dim, as
     * torch.nn.functional.pad does: {@code {left, right, top, bottom}} pads W then H.
     */
    public Tensor pad(int[] pads, float value) {
        if (pads.length % 2 != 0 || pads.length / 2 > rank()) {
            throw new IllegalArgumentException("pad: expected (before, after) pairs for at most " + rank() + " dims, got "
                    + Arrays.toString(pads));
        }
        int[] out = shape();
        Layout inner = null;
        for (int p = 0; p < pads.length / 2; p++) {
            int d = rank() - 1 - p;
            if (pads[2 * p] < 0 || pads[2 * p + 1] < 0) throw new IllegalArgumentException("pad: negative padding " + Arrays.toString(pads));
            out[d] += pads[2 * p] + pads[2 * p + 1];
        }
        Storage s = backend.full(Shapes.numel(out), value);
        inner = Layout.contiguous(out);
        for (int p = 0; p < pads.length / 2; p++) {
            int d = rank() - 1 - p;
            inner = inner.narrow(d, pads[2 * p], dim(d));
        }
        backend.copyInto(this, s, inner);
        return wrap(s, out, backend);
    }

    // ---- misc -----------------------------------------------------------------------------------

    void checkSameDevice(Tensor other, String op) {
        if (other.backend != backend) {
            throw new IllegalArgumentException(op + ": tensors on different devices (" + device() + " and " + other.device()
                    + "); move one with to(device)");
        }
    }

    @Override public String toString() {
        float[] v = numel() <= 8 ? toFloatArray() : Arrays.copyOf(contiguous().narrowFlat(8), 8);
        StringBuilder b = new StringBuilder("Tensor").append(Shapes.format(shape())).append(" on ").append(device()).append(" [");
        for (int i = 0; i < v.length; i++) b.append(i > 0 ? ", " : "").append(v[i]);
        return b.append(numel() > 8 ? ", ...]" : "]").toString();
    }

    private float[] narrowFlat(int n) {
        return reshape(-1).narrow(0, 0, n).toFloatArray();
    }
}
