package diffusion4j.kernels.cpu;

import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import java.util.Arrays;

/**
 * Strided-layout plumbing shared by the CPU kernels. Every kernel has one contiguous (Vector API)
 * loop; its general path is "move the strided elements into a dense tile, run the contiguous loop",
 * so strides, offsets and broadcasting (stride 0) are handled here once instead of in every kernel.
 */
final class Strided {
    private Strided() {}

    /** Elements a kernel moves through a dense tile at a time: fits L1 and is a multiple of every vector length. */
    static final int TILE = 4096;

    /**
     * A layout with size-1 dims dropped and neighbours merged where {@code stride[i] == stride[i+1] * shape[i+1]},
     * so a narrowed or broadcast view walks in as few, as long runs as possible. Rank 0 means one element.
     */
    record Dims(int[] shape, int[] strides, int offset) {
        static Dims of(Layout l) {
            return of(l.shape(), l.strides(), l.offset());
        }

        static Dims of(int[] shape, int[] strides, int offset) {
            Layout c = new Layout(shape, strides, offset).coalesce();
            return new Dims(c.shape(), c.strides(), c.offset());
        }

        /** True when the elements are one dense run from {@link #offset()} on. */
        boolean dense() {
            return shape.length == 0 || (shape.length == 1 && strides[0] == 1);
        }
    }

    /** Storage offsets of every element of the view {@code (shape, strides, base)}, in row-major order. */
    static int[] offsets(int[] shape, int[] strides, int base) {
        int n = 1;
        for (int s : shape) n *= s;
        int[] out = new int[n];
        if (n == 0) return out;
        int r = shape.length;
        int[] idx = new int[r];
        int off = base;
        for (int p = 0; p < n; p++) {
            out[p] = off;
            for (int i = r - 1; i >= 0; i--) {
                off += strides[i];
                if (++idx[i] < shape[i]) break;
                off -= shape[i] * strides[i];
                idx[i] = 0;
            }
        }
        return out;
    }

    /**
     * Copies elements {@code [from, from+len)} (row-major positions) of view {@code d} into
     * {@code dense[dOff..]}: runs along the innermost dim, carries into the outer ones. For a tile
     * of positions (the elementwise kernels); whole views go through {@link StridedCopy}.
     */
    static void gather(float[] src, Dims d, int from, int len, float[] dense, int dOff) {
        if (len <= 0) return;
        int[] shape = d.shape, strides = d.strides;
        int r = shape.length;
        if (r == 0) {
            dense[dOff] = src[d.offset];
            return;
        }
        int[] idx = new int[r];
        int rem = from, off = d.offset;
        for (int i = r - 1; i >= 0; i--) {
            idx[i] = rem % shape[i];
            rem /= shape[i];
            off += idx[i] * strides[i];
        }
        int n = shape[r - 1], s = strides[r - 1];
        for (int done = 0; done < len; ) {
            int run = Math.min(n - idx[r - 1], len - done);
            int q = dOff + done;
            if (s == 1) {
                System.arraycopy(src, off, dense, q, run);
            } else if (s == 0) { // a broadcast dim: one value repeated (Arrays.fill is a vectorized intrinsic)
                Arrays.fill(dense, q, q + run, src[off]);
            } else {
                for (int j = 0; j < run; j++) dense[q + j] = src[off + j * s];
            }
            done += run;
            off += run * s;
            idx[r - 1] += run;
            for (int i = r - 1; i > 0 && idx[i] == shape[i]; i--) {
                off += strides[i - 1] - shape[i] * strides[i];
                idx[i] = 0;
                idx[i - 1]++;
            }
        }
    }

    /**
     * A kernel input: its heap array and collapsed layout. Dense inputs are read in place; others are
     * gathered tile by tile into a scratch buffer the calling thread owns.
     */
    static final class Operand {
        final float[] data;
        final Dims dims;
        final boolean dense;

        Operand(Tensor t) {
            this.data = HeapStorage.of(t.storage());
            this.dims = Dims.of(t.layout());
            this.dense = dims.dense();
        }

        /** A scratch tile for this operand, or null when it is read in place. */
        float[] scratch() {
            return dense ? null : new float[TILE];
        }

        /** The array that {@link #load} made elements readable in. */
        float[] array(float[] scratch) {
            return dense ? data : scratch;
        }

        /** Makes elements {@code [from, from+len)} (len <= TILE) readable densely; returns their start index. */
        int load(int from, int len, float[] scratch) {
            if (dense) return dims.offset + from;
            gather(data, dims, from, len, scratch, 0);
            return 0;
        }
    }

    /** A dense heap array of a tensor's elements and the index its first element sits at (no copy when contiguous). */
    record DenseView(float[] a, int off) {
        static DenseView of(Tensor t) {
            Layout l = t.layout();
            if (l.isContiguous()) return new DenseView(HeapStorage.of(t.storage()), l.offset());
            float[] out = TensorScope.array(l.numel());
            StridedCopy.copy(HeapStorage.of(t.storage()), l, out, Layout.contiguous(l.shape()));
            return new DenseView(out, 0);
        }

        /** The first {@code n} elements as an array indexed from 0 (the backing array itself when it already is; read only). */
        float[] copy(int n) {
            return off == 0 && a.length == n ? a : Arrays.copyOfRange(a, off, off + n);
        }
    }
}
