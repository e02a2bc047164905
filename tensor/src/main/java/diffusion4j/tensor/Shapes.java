package diffusion4j.tensor;

import java.util.Arrays;

/** Static helpers for shapes as {@code int[]}: validation, element counts, broadcasting, dims. */
public final class Shapes {
    private Shapes() {}

    /** Throws if any size is negative; returns a defensive copy. */
    public static int[] checked(int... shape) {
        for (int s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative size in shape " + format(shape));
            }
        }
        numel(shape); // checks overflow
        return shape.clone();
    }

    /** Number of elements; throws if it does not fit in an int (storage is indexed by int). */
    public static int numel(int... shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + format(shape) + " has more than 2^31-1 elements");
            }
        }
        return (int) n;
    }

    /** "(2, 3, 4)". */
    public static String format(int... shape) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) b.append(", ");
            b.append(shape[i]);
        }
        return b.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** Resolves a possibly negative dim against a rank, naming the op in the error. */
    public static int dim(int dim, int rank, String op) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= Math.max(rank, 1) || (rank == 0)) {
            throw new IllegalArgumentException(op + ": dim " + dim + " out of range for a tensor of rank " + rank);
        }
        return d;
    }

    /** NumPy broadcasting of two shapes; the error names both shapes and the op. */
    public static int[] broadcast(int[] a, int[] b, String op) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + format(a) + " and " + format(b)
                        + " cannot be broadcast (dim " + i + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Row-major strides of a dense tensor of this shape. */
    public static int[] contiguousStrides(int... shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return strides;
    }

    public static boolean equal(int[] a, int[] b) {
        return Arrays.equals(a, b);
    }
}
