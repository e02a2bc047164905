package diffusion4j.tensor.profile;

import diffusion4j.tensor.AdamUpdate;
import diffusion4j.tensor.Backend;
import diffusion4j.tensor.BinaryOp;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.RandomKind;
import diffusion4j.tensor.ReduceOp;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.UnaryOp;
import java.util.function.Supplier;

/**
 * A {@link Backend} that forwards every call to {@code delegate} and records its wall time and
 * count in a {@link ProfileRecorder} under an op name ("matmul", "conv2d", "unary SILU", "binary ADD",
 * "reduce SUM", ...; enum-parameterised primitives are split by their op so "where does the time
 * go" has a useful answer).
 *
 * <p>Timing: each call is timed from entry to return plus the {@code finish} hook, by default the
 * delegate's {@link Backend#synchronize}, which waits for an asynchronous device and is a no-op on
 * host backends. Only the outermost call on a thread is recorded: if a backend's kernel
 * calls back into the front end (and so into this decorator), the inner calls are part of the
 * outer op's time, and counting them too would make the total exceed the wall time.
 *
 * <p>Tensors passed in carry this decorator as their backend (that is what {@code Backends.get}
 * hands out); kernels read only their storage and layout, so the delegate sees nothing different.
 */
public final class ProfilingBackend implements Backend {
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private final Backend delegate;
    private final Runnable finish;
    private final ProfileRecorder recorder;

    /** Profiles {@code delegate} into {@code recorder}; the finish hook is the delegate's {@link Backend#synchronize}. */
    public ProfilingBackend(Backend delegate, ProfileRecorder recorder) {
        this(delegate, delegate::synchronize, recorder);
    }

    /** With an explicit finish hook (run inside each timed span). */
    public ProfilingBackend(Backend delegate, Runnable finish, ProfileRecorder recorder) {
        this.delegate = delegate;
        this.finish = finish;
        this.recorder = recorder;
    }

    /** The backend that does the work. */
    public Backend delegate() { return delegate; }

    private <T> T time(String op, Supplier<T> call) {
        int[] depth = DEPTH.get();
        if (depth[0] > 0 || !recorder.isRecording()) return call.get();
        depth[0]++;
        long t0 = System.nanoTime();
        try {
            T r = call.get();
            finish.run();
            return r;
        } finally {
            recorder.record(op, System.nanoTime() - t0);
            depth[0]--;
        }
    }

    private void timeVoid(String op, Runnable call) {
        time(op, () -> {
            call.run();
            return null;
        });
    }

    @Override public String name() { return delegate.name(); }
    @Override public Device device() { return delegate.device(); }
    @Override public void synchronize() { delegate.synchronize(); }

    @Override public Storage allocate(int length) { return time("allocate", () -> delegate.allocate(length)); }
    @Override public Storage upload(float[] data) { return time("upload", () -> delegate.upload(data)); }
    @Override public float[] download(Tensor x) { return time("download", () -> delegate.download(x)); }
    @Override public Storage contiguous(Tensor x) { return time("contiguous", () -> delegate.contiguous(x)); }
    @Override public Storage full(int length, float value) { return time("full", () -> delegate.full(length, value)); }
    @Override public void copyInto(Tensor src, Storage dstStorage, Layout dst) {
        timeVoid("copyInto", () -> delegate.copyInto(src, dstStorage, dst));
    }
    @Override public Storage random(RandomKind kind, int length, long seed, long offset) {
        return time("random " + kind, () -> delegate.random(kind, length, seed, offset));
    }

    @Override public Storage unary(UnaryOp op, Tensor x) { return time("unary " + op, () -> delegate.unary(op, x)); }
    @Override public Storage binary(BinaryOp op, Tensor a, Tensor b) { return time("binary " + op, () -> delegate.binary(op, a, b)); }
    @Override public Storage where(Tensor cond, Tensor a, Tensor b) { return time("where", () -> delegate.where(cond, a, b)); }
    @Override public Storage reduce(ReduceOp op, Tensor x, int[] dims) { return time("reduce " + op, () -> delegate.reduce(op, x, dims)); }
    @Override public Storage argReduce(ReduceOp op, Tensor x, int dim) { return time("argReduce " + op, () -> delegate.argReduce(op, x, dim)); }
    @Override public Storage gather(Tensor x, int dim, Tensor index) { return time("gather", () -> delegate.gather(x, dim, index)); }
    @Override public Storage scatterAdd(int[] shape, int dim, Tensor index, Tensor src) {
        return time("scatterAdd", () -> delegate.scatterAdd(shape, dim, index, src));
    }

    @Override public Storage matmul(Tensor a, Tensor b) { return time("matmul", () -> delegate.matmul(a, b)); }
    @Override public Storage conv2d(Tensor x, Tensor w, Tensor bias, ConvParams p) { return time("conv2d", () -> delegate.conv2d(x, w, bias, p)); }
    @Override public Storage conv2dBackwardInput(Tensor dy, Tensor w, int[] inputShape, ConvParams p) {
        return time("conv2dBackwardInput", () -> delegate.conv2dBackwardInput(dy, w, inputShape, p));
    }
    @Override public Storage conv2dBackwardWeight(Tensor x, Tensor dy, int[] weightShape, ConvParams p) {
        return time("conv2dBackwardWeight", () -> delegate.conv2dBackwardWeight(x, dy, weightShape, p));
    }
    @Override public Storage unfold(Tensor x, int kH, int kW, ConvParams p, float padValue) {
        return time("unfold", () -> delegate.unfold(x, kH, kW, p, padValue));
    }
    @Override public Storage fold(Tensor cols, int[] inputShape, int kH, int kW, ConvParams p) {
        return time("fold", () -> delegate.fold(cols, inputShape, kH, kW, p));
    }
    @Override public Storage softmax(Tensor x, int dim, boolean log) {
        return time(log ? "logSoftmax" : "softmax", () -> delegate.softmax(x, dim, log));
    }
    @Override public Storage softmaxBackward(Tensor y, Tensor dy, int dim, boolean log) {
        return time(log ? "logSoftmaxBackward" : "softmaxBackward", () -> delegate.softmaxBackward(y, dy, dim, log));
    }
    @Override public NormOutput groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, float eps) {
        return time("groupNorm", () -> delegate.groupNorm(x, gamma, beta, groups, eps));
    }
    @Override public NormGrads groupNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma, int groups) {
        return time("groupNormBackward", () -> delegate.groupNormBackward(dy, x, mean, rstd, gamma, groups));
    }
    @Override public NormOutput layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        return time("layerNorm", () -> delegate.layerNorm(x, gamma, beta, eps));
    }
    @Override public NormGrads layerNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma) {
        return time("layerNormBackward", () -> delegate.layerNormBackward(dy, x, mean, rstd, gamma));
    }
    @Override public AttentionOutput attention(Tensor q, Tensor k, Tensor v, Tensor keyMask, boolean causal, float scale) {
        return time("attention", () -> delegate.attention(q, k, v, keyMask, causal, scale));
    }
    @Override public AttentionGrads attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dout,
                                                      Tensor keyMask, boolean causal, float scale) {
        return time("attentionBackward", () -> delegate.attentionBackward(q, k, v, out, lse, dout, keyMask, causal, scale));
    }

    @Override public AdamOutput adam(Tensor w, Tensor g, Tensor m, Tensor v, AdamUpdate u) {
        return time("adam", () -> delegate.adam(w, g, m, v, u));
    }

    @Override public String toString() {
        return "ProfilingBackend(" + delegate.name() + ")";
    }
}
