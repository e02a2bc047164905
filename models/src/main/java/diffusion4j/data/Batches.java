package diffusion4j.data;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Philox;
import diffusion4j.tensor.RandomKind;
import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Mini-batches over a dataset held as two tensors that share their first dim, like PyTorch's
 * {@code DataLoader(TensorDataset(x, y), batch_size, shuffle, drop_last)}.
 *
 * <p>Each call of {@link #iterator()} is one epoch: with a {@link Generator} it draws a fresh
 * permutation from the generator's Philox stream, so a run is reproducible from the seed alone and
 * every epoch differs; without one the order is 0..N-1. Every example appears exactly once per
 * epoch, except the last {@code N % batchSize} of the permutation when {@code dropLast} is set.
 *
 * <p>The data is copied to host arrays once; each batch is gathered on the host and uploaded to
 * the device of {@code x} (the dataset is small next to the model's activations).
 */
public final class Batches implements Iterable<Batches.Batch> {
    /**
     * One mini-batch.
     *
     * @param x       (B, ...) rows of the dataset's x
     * @param y       (B, ...) the matching rows of y
     * @param indices the B example indices, in batch order
     */
    public record Batch(Tensor x, Tensor y, int[] indices) {}

    private final Device device;
    private final float[] x, y;
    private final int[] xRow, yRow;
    private final int n, batchSize;
    private final boolean dropLast;
    private final Generator gen;

    /**
     * @param x         (N, ...) inputs
     * @param y         (N, ...) targets, e.g. class ids (N)
     * @param batchSize examples per batch, at least 1
     * @param dropLast  skip the final batch when it would be smaller than {@code batchSize}
     * @param gen       source of the shuffling permutations; null for the fixed order 0..N-1
     */
    public Batches(Tensor x, Tensor y, int batchSize, boolean dropLast, Generator gen) {
        if (x.rank() == 0 || y.rank() == 0 || x.dim(0) != y.dim(0)) {
            throw new IllegalArgumentException("Batches: x " + Shapes.format(x.shape()) + " and y " + Shapes.format(y.shape())
                    + " must share their first dim");
        }
        if (batchSize < 1) throw new IllegalArgumentException("Batches: batch size must be at least 1, got " + batchSize);
        this.device = x.device();
        this.n = x.dim(0);
        this.x = x.toFloatArray();
        this.y = y.toFloatArray();
        this.xRow = Arrays.copyOfRange(x.shape(), 1, x.rank());
        this.yRow = Arrays.copyOfRange(y.shape(), 1, y.rank());
        this.batchSize = batchSize;
        this.dropLast = dropLast;
        this.gen = gen;
    }

    /** Batches over all images of {@code data} (scaled by {@code scale}, on the default device) and their labels. */
    public static Batches of(FashionMnist data, FashionMnist.Scale scale, int batchSize, boolean dropLast, Generator gen) {
        return new Batches(data.images(scale), data.labels(), batchSize, dropLast, gen);
    }

    /** Batches in one epoch. */
    public int size() {
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** Number of examples. */
    public int examples() {
        return n;
    }

    /** One epoch, in a new order drawn from the generator (when there is one). */
    @Override public Iterator<Batch> iterator() {
        int[] order = gen == null ? identity(n) : permutation(n, gen);
        int count = size();
        return new Iterator<>() {
            private int next;

            @Override public boolean hasNext() {
                return next < count;
            }

            @Override public Batch next() {
                if (!hasNext()) throw new NoSuchElementException("epoch finished after " + count + " batches");
                int from = next++ * batchSize;
                return batch(Arrays.copyOfRange(order, from, Math.min(n, from + batchSize)));
            }
        };
    }

    /** The batch of the examples {@code indices}. */
    public Batch batch(int[] indices) {
        return new Batch(gather(x, xRow, indices), gather(y, yRow, indices), indices.clone());
    }

    private Tensor gather(float[] data, int[] row, int[] indices) {
        int size = Shapes.numel(row);
        float[] out = new float[indices.length * size];
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= n) throw new IndexOutOfBoundsException("example " + indices[i] + " of " + n);
            System.arraycopy(data, indices[i] * size, out, i * size, size);
        }
        int[] shape = new int[row.length + 1];
        shape[0] = indices.length;
        System.arraycopy(row, 0, shape, 1, row.length);
        return Tensor.of(device, out, shape);
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }

    /**
     * A uniformly shuffled 0..n-1 (Fisher-Yates), reserving {@code n} uniform words of
     * {@code gen}'s stream: step {@code i} swaps {@code i} with {@code floor(w_i * (i+1) / 2^32)},
     * word {@code w_i} being word {@code i % 4} of block {@code offset + i / 4}. The multiply-shift
     * map has a bias below {@code (i+1) / 2^32}, far under anything a training run can notice, and
     * keeps the number of words fixed, so the permutation depends only on the seed and offset.
     */
    public static int[] permutation(int n, Generator gen) {
        int[] p = identity(n);
        long offset = gen.reserve(RandomKind.UNIFORM, n);
        int[] w = new int[4];
        for (int i = n - 1; i > 0; i--) {
            if (i % 4 == 3 || i == n - 1) Philox.block(gen.seed(), offset + i / 4, w);
            int j = (int) (((w[i % 4] & 0xFFFFFFFFL) * (i + 1)) >>> 32);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
