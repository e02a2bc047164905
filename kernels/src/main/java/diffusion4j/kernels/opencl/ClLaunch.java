package diffusion4j.kernels.opencl;

import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Tensor;
import java.util.Arrays;
import org.jocl.cl_kernel;

/**
 * Launch plumbing shared by the light-op launchers: the layout meta every strided kernel reads
 * (layout.cl) and the two launch shapes they use (one work-item per element, one work-group per
 * output row).
 */
final class ClLaunch {
    private ClLaunch() {}

    /**
     * The meta of a view for {@code d4j_offset}: {@code [r, shape.., strides.., offset]} after
     * dropping size-1 dims and merging neighbours where {@code stride[i] == stride[i+1] * shape[i+1]},
     * so a dense view becomes rank 1, stride 1 (the kernels' contiguous fast path).
     */
    static int[] meta(int[] shape, int[] strides, int offset) {
        Layout c = new Layout(shape, strides, offset).coalesce();
        int r = c.rank();
        int[] s = c.shape(), st = c.strides();
        int[] m = new int[2 * r + 2];
        m[0] = r;
        System.arraycopy(s, 0, m, 1, r);
        System.arraycopy(st, 0, m, 1 + r, r);
        m[2 * r + 1] = offset;
        return m;
    }

    static int[] meta(Layout l) {
        return meta(l.shape(), l.strides(), l.offset());
    }

    /** The meta of {@code l} with dim {@code dim} pinned to index 0: enumerates the rows (or fibers) along dim. */
    static int[] outer(Layout l, int dim) {
        int[] shape = l.shape();
        shape[dim] = 1;
        return meta(shape, l.strides(), l.offset());
    }

    /** Rows along {@code dim} of a dense tensor of {@code shape}, enumerated over the other dims. */
    static int[] denseOuter(int[] shape, int dim) {
        return outer(Layout.contiguous(shape), dim);
    }

    static ClStorage storage(Tensor t) {
        return ClStorage.of(t.storage());
    }

    /** One work-item per element: {@code n} work-items in groups of the tuned 1-D size. */
    static void perElement(ClRuntime rt, cl_kernel k, int n, Object... args) {
        rt.launch(k, new long[] {n}, new long[] {rt.tuning().workGroup()}, args);
    }

    /** One work-group of {@code group} work-items per output: {@code outputs} groups. */
    static void perGroup(ClRuntime rt, cl_kernel k, int outputs, int group, Object... args) {
        rt.launch(k, new long[] {(long) outputs * group}, new long[] {group}, args);
    }

    /** A power-of-two group size for rows of {@code work} elements: the tuned size, smaller for short rows. */
    static int groupFor(ClRuntime rt, int work) {
        int g = rt.tuning().reduceWorkGroup();
        while (g > 1 && g / 2 >= work) g /= 2;
        return g;
    }

    static int[] without(int[] a, int i) {
        int[] r = new int[a.length - 1];
        System.arraycopy(a, 0, r, 0, i);
        System.arraycopy(a, i + 1, r, i, a.length - i - 1);
        return r;
    }

    static String str(int[] a) {
        return Arrays.toString(a);
    }
}
