package diffusion4j.tensor;

import java.util.Arrays;

/**
 * Where a tensor's elements sit in its storage: shape, strides in elements, and a start offset
 * (candle's {@code Layout}). Element {@code (i0, ..., ik)} lives at
 * {@code offset + i0*strides[0] + ... + ik*strides[k]}. A stride of 0 repeats an element
 * (broadcast). Every view op here returns a new Layout over the same storage and copies nothing.
 *
 * <p>Immutable.
 */
public final class Layout {
    private final int[] shape;
    private final int[] strides;
    private final int offset;

    public Layout(int[] shape, int[] strides, int offset) {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("shape " + Shapes.format(shape) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
        }
        this.shape = Shapes.checked(shape);
        this.strides = strides.clone();
        this.offset = offset;
    }

    /** A dense row-major layout starting at element 0. */
    public static Layout contiguous(int... shape) {
        return new Layout(shape, Shapes.contiguousStrides(shape), 0);
    }

    public int rank() { return shape.length; }
    public int dim(int i) { return shape[i]; }
    public int stride(int i) { return strides[i]; }
    public int offset() { return offset; }
    public int[] shape() { return shape.clone(); }
    public int[] strides() { return strides.clone(); }
    public int numel() { return Shapes.numel(shape); }

    /** True when elements are dense and row-major from {@link #offset()} on (size-1 dims ignored). */
    public boolean isContiguous() {
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /**
     * The same elements, in the same order, in as few dims as possible: size-1 dims dropped and
     * neighbours merged where {@code stride[i] == stride[i+1] * shape[i+1]}. A dense layout becomes
     * rank 1 with stride 1 (rank 0 when it holds one element), so kernels walk views in long runs.
     */
    public Layout coalesce() {
        int[] s = new int[shape.length], st = new int[shape.length];
        int r = 0;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) continue;
            if (r > 0 && st[r - 1] == strides[i] * shape[i]) {
                s[r - 1] *= shape[i];
                st[r - 1] = strides[i];
            } else {
                s[r] = shape[i];
                st[r] = strides[i];
                r++;
            }
        }
        return new Layout(Arrays.copyOf(s, r), Arrays.copyOf(st, r), offset);
    }

    /** Storage index of the element at {@code index}. */
    public int offsetOf(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index of rank " + index.length + " for shape " + Shapes.format(shape));
        }
        int o = offset;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " out of bounds for shape " + Shapes.format(shape));
            }
            o += index[i] * strides[i];
        }
        return o;
    }

    /** Largest storage index touched plus one (0 for an empty layout); used to validate storages. */
    public long extent() {
        if (numel() == 0) return 0;
        long hi = offset;
        for (int i = 0; i < shape.length; i++) {
            if (strides[i] > 0) hi += (long) (shape[i] - 1) * strides[i];
        }
        return hi + 1;
    }

    public Layout permute(int... order) {
        if (order.length != shape.length) {
            throw new IllegalArgumentException("permute: " + order.length + " dims given for a tensor of rank " + shape.length);
        }
        int[] s = new int[order.length], st = new int[order.length];
        boolean[] seen = new boolean[order.length];
        for (int i = 0; i < order.length; i++) {
            int d = Shapes.dim(order[i], shape.length, "permute");
            if (seen[d]) throw new IllegalArgumentException("permute: dim " + d + " repeated in " + Arrays.toString(order));
            seen[d] = true;
            s[i] = shape[d];
            st[i] = strides[d];
        }
        return new Layout(s, st, offset);
    }

    public Layout transpose(int d0, int d1) {
        int a = Shapes.dim(d0, shape.length, "transpose"), b = Shapes.dim(d1, shape.length, "transpose");
        int[] order = new int[shape.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        order[a] = b;
        order[b] = a;
        return permute(order);
    }

    /** Elements {@code start .. start+length-1} along {@code dim}. */
    public Layout narrow(int dim, int start, int length) {
        int d = Shapes.dim(dim, shape.length, "narrow");
        if (start < 0 || length < 0 || start + length > shape[d]) {
            throw new IllegalArgumentException("narrow: [" + start + ", " + (start + length) + ") out of range for dim "
                    + d + " of size " + shape[d]);
        }
        int[] s = shape.clone();
        s[d] = length;
        return new Layout(s, strides, offset + (length == 0 ? 0 : start * strides[d]));
    }

    /** Every {@code step}-th element of {@code [start, end)} along {@code dim}. */
    public Layout slice(int dim, int start, int end, int step) {
        int d = Shapes.dim(dim, shape.length, "slice");
        if (step <= 0) throw new IllegalArgumentException("slice: step must be positive, got " + step);
        if (start < 0 || end > shape[d] || start > end) {
            throw new IllegalArgumentException("slice: [" + start + ", " + end + ") out of range for dim " + d + " of size " + shape[d]);
        }
        int[] s = shape.clone(), st = strides.clone();
        s[d] = (end - start + step - 1) / step;
        st[d] = strides[d] * step;
        return new Layout(s, st, offset + (s[d] == 0 ? 0 : start * strides[d]));
    }

    /** Drops {@code dim}, keeping index {@code index} of it. */
    public Layout select(int dim, int index) {
        int d = Shapes.dim(dim, shape.length, "select");
        if (index < 0 || index >= shape[d]) {
            throw new IndexOutOfBoundsException("select: index " + index + " out of range for dim " + d + " of size " + shape[d]);
        }
        return new Layout(remove(shape, d), remove(strides, d), offset + index * strides[d]);
    }

    /** Broadcasts to {@code target} (NumPy rules: new leading dims, size-1 dims stretched with stride 0). */
    public Layout expand(int... target) {
        if (target.length < shape.length) {
            throw new IllegalArgumentException("expand: cannot expand shape " + Shapes.format(shape) + " to fewer dims " + Shapes.format(target));
        }
        int lead = target.length - shape.length;
        int[] st = new int[target.length];
        for (int i = 0; i < target.length; i++) {
            if (i < lead) {
                st[i] = 0;
                continue;
            }
            int have = shape[i - lead];
            if (have == target[i]) st[i] = strides[i - lead];
            else if (have == 1) st[i] = 0;
            else throw new IllegalArgumentException("expand: shape " + Shapes.format(shape) + " cannot be expanded to " + Shapes.format(target));
        }
        return new Layout(target, st, offset);
    }

    public Layout unsqueeze(int dim) {
        int d = dim < 0 ? dim + shape.length + 1 : dim;
        if (d < 0 || d > shape.length) throw new IllegalArgumentException("unsqueeze: dim " + dim + " out of range for rank " + shape.length);
        int inner = d < shape.length ? strides[d] * shape[d] : 1;
        return new Layout(insert(shape, d, 1), insert(strides, d, inner), offset);
    }

    public Layout squeeze(int dim) {
        int d = Shapes.dim(dim, shape.length, "squeeze");
        if (shape[d] != 1) throw new IllegalArgumentException("squeeze: dim " + d + " has size " + shape[d] + ", not 1");
        return new Layout(remove(shape, d), remove(strides, d), offset);
    }

    /**
     * A view with a new shape over the same elements, or null when the strides cannot express it
     * without a copy (the caller then copies). {@code newShape} must already be resolved (no -1).
     */
    public Layout reshapeView(int[] newShape) {
        if (Shapes.numel(newShape) != numel()) {
            throw new IllegalArgumentException("reshape: shape " + Shapes.format(shape) + " (" + numel() + " elements) cannot become "
                    + Shapes.format(newShape) + " (" + Shapes.numel(newShape) + " elements)");
        }
        if (isContiguous()) return new Layout(newShape, Shapes.contiguousStrides(newShape), offset);
        // Walk groups of old dims that merge into groups of new dims (PyTorch's computeStride).
        int[] newStrides = new int[newShape.length];
        int view_d = newShape.length - 1;
        long chunkBase = 0;
        int tensorNumel = 1, viewNumel = 1;
        if (shape.length == 0) return new Layout(newShape, Shapes.contiguousStrides(newShape), offset);
        chunkBase = strides[shape.length - 1];
        for (int d = shape.length - 1; d >= 0; d--) {
            tensorNumel *= shape[d];
            if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase)) {
                while (view_d >= 0 && (viewNumel < tensorNumel || newShape[view_d] == 1)) {
                    newStrides[view_d] = (int) (viewNumel * chunkBase);
                    viewNumel *= newShape[view_d];
                    view_d--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0) {
                    chunkBase = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        if (view_d != -1) return null;
        return new Layout(newShape, newStrides, offset);
    }

    static int[] remove(int[] a, int i) {
        int[] r = new int[a.length - 1];
        System.arraycopy(a, 0, r, 0, i);
        System.arraycopy(a, i + 1, r, i, a.length - i - 1);
        return r;
    }

    static int[] insert(int[] a, int i, int v) {
        int[] r = new int[a.length + 1];
        System.arraycopy(a, 0, r, 0, i);
        r[i] = v;
        System.arraycopy(a, i, r, i + 1, a.length - i);
        return r;
    }

    @Override public boolean equals(Object o) {
        return o instanceof Layout l && l.offset == offset && Arrays.equals(l.shape, shape) && Arrays.equals(l.strides, strides);
    }

    @Override public int hashCode() {
        return 31 * (31 * Arrays.hashCode(shape) + Arrays.hashCode(strides)) + offset;
    }

    @Override public String toString() {
        return "Layout" + Shapes.format(shape) + " strides=" + Arrays.toString(strides) + " offset=" + offset;
    }
}
