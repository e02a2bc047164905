package diffusion4j.kernels.opencl;

import static diffusion4j.kernels.opencl.ClLaunch.meta;
import static diffusion4j.kernels.opencl.ClLaunch.storage;

import diffusion4j.tensor.Layout;
import diffusion4j.tensor.RandomKind;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;

/**
 * Storage movement (copy.cl) and the Philox stream (random.cl). Transfers are explicit: upload and
 * download are the only host copies; everything else stays on the device.
 */
final class ClMemory {
    private ClMemory() {}

    /** The elements of {@code x} in row-major order: one read when contiguous, else a device-side dense copy first. */
    static float[] download(ClRuntime rt, Tensor x) {
        Layout l = x.layout();
        int n = l.numel();
        if (l.isContiguous()) return rt.read(storage(x), l.offset(), n);
        ClStorage dense = rt.allocate(n);
        copyInto(rt, x, dense, Layout.contiguous(l.shape()));
        return rt.read(dense, 0, n);
    }

    /** Writes {@code src} (any layout) into the view {@code dst} of {@code dstStorage}. */
    static void copyInto(ClRuntime rt, Tensor src, Storage dstStorage, Layout dst) {
        int n = dst.numel();
        ClLaunch.perElement(rt, rt.kernel("copy.cl", "copy_strided", ""), n,
                storage(src), meta(src.layout()), ClStorage.of(dstStorage), meta(dst), n);
    }

    /** {@code length} draws of {@link diffusion4j.tensor.Philox}'s stream at {@code (seed, offset)}: one work-item per block. */
    static Storage random(ClRuntime rt, RandomKind kind, int length, long seed, long offset) {
        ClStorage out = rt.allocate(length);
        int per = kind == RandomKind.UNIFORM ? 4 : 2;
        int blocks = (length + per - 1) / per;
        String options = rt.info().fp64() ? "-DUSE_FP64" : "";
        ClLaunch.perElement(rt, rt.kernel("random.cl", "philox_fill", options), blocks, out, length, kind == RandomKind.UNIFORM ? 0 : 1,
                (int) seed, (int) (seed >>> 32), (int) offset, (int) (offset >>> 32));
        return out;
    }
}
