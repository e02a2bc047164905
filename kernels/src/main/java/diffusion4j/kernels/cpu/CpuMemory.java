package diffusion4j.kernels.cpu;

import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Philox;
import diffusion4j.tensor.RandomKind;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import java.util.Arrays;

/**
 * Storage creation and movement: allocate, upload, download, full, copyInto, and the Philox random
 * stream. Storage is a plain {@link HeapStorage}, shared with the reference backend, so tensors move
 * between the two without copies.
 */
final class CpuMemory {
    private CpuMemory() {}

    /** Random draws cost far more per element (a Philox block, a log and a cos), so they split sooner. */
    private static final int RANDOM_GRAIN = 1 << 12;

    static Storage allocate(int length) {
        if (length < 0) throw new IllegalArgumentException("allocate: negative length " + length);
        return new HeapStorage(TensorScope.zeroArray(length));
    }

    static Storage upload(float[] data) {
        return new HeapStorage(data); // owned, per the Backend contract
    }

    static Storage full(int length, float value) {
        if (length < 0) throw new IllegalArgumentException("full: negative length " + length);
        if (value == 0) return new HeapStorage(TensorScope.zeroArray(length)); // no second pass over a fresh array
        float[] a = TensorScope.array(length);
        Arrays.fill(a, value);
        return new HeapStorage(a);
    }

    /** The elements of {@code x} in row-major order: one array copy when contiguous, a {@link StridedCopy} otherwise. */
    static float[] download(Tensor x) {
        Layout l = x.layout();
        float[] src = HeapStorage.of(x.storage());
        int n = l.numel();
        if (l.isContiguous()) return Arrays.copyOfRange(src, l.offset(), l.offset() + n);
        return dense(x, new float[n]);
    }

    /**
     * A dense copy of {@code x} by {@link StridedCopy}, into an array that is not zero-filled first
     * (the copy writes every element): inside a scope that fill was a pass over a recycled array,
     * about 0.1 ms per 4 MiB, for each of the UNet step's 18 {@code contiguous()} calls.
     */
    static Storage contiguous(Tensor x) {
        return new HeapStorage(dense(x, TensorScope.array(x.numel())));
    }

    /** {@code out} (x.numel() floats) = the elements of {@code x} in row-major order, by {@link StridedCopy}. */
    private static float[] dense(Tensor x, float[] out) {
        Layout l = x.layout();
        StridedCopy.copy(HeapStorage.of(x.storage()), l, out, Layout.contiguous(l.shape()));
        return out;
    }

    /** Writes the elements of {@code src} into the view {@code dst} (same shape) of {@code dstStorage}: {@link StridedCopy}. */
    static void copyInto(Tensor src, Storage dstStorage, Layout dst) {
        StridedCopy.copy(HeapStorage.of(src.storage()), src.layout(), HeapStorage.of(dstStorage), dst);
    }

    /**
     * {@code length} draws from the Philox stream. Every element is a pure function of
     * {@code (seed, offset, index)}, so chunks fill independently and the result is bit-identical
     * to {@link Philox#fill} over the whole range; chunk starts are multiples of 4 so that no
     * Philox block is computed twice.
     */
    static Storage random(RandomKind kind, int length, long seed, long offset) {
        float[] out = TensorScope.array(length);
        int blocks = (length + 3) / 4;
        Parallel.range(blocks, RANDOM_GRAIN / 4, (start, end) ->
                Philox.fill(kind, seed, offset, out, start * 4, Math.min(length, end * 4)));
        return new HeapStorage(out);
    }
}
