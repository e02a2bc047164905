package diffusion4j.kernels.opencl;

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

/**
 * The OpenCL backend of one device. This class only dispatches: light ops to ClElementwise,
 * ClReduce, ClSoftmax, ClIndex, ClMemory; heavy ops to ClMatmul, ClConv, ClUnfold, ClNorm,
 * ClAttention, all enqueued on the one in-order queue of {@link ClRuntime}. Each op first asks
 * {@link Fallback} whether it is routed to the CPU (only when forced: every op has a kernel).
 */
public final class OpenClBackend implements Backend {
    private final Device device;
    private final ClRuntime rt;
    private final Fallback fb;

    OpenClBackend(Device device, ClRuntime rt) {
        this.device = device;
        this.rt = rt;
        this.fb = new Fallback(rt);
    }

    /** The device runtime, for kernels of other modules and for tests. */
    public ClRuntime runtime() {
        return rt;
    }

    Fallback fallback() {
        return fb;
    }

    @Override public String name() {
        return "opencl";
    }

    @Override public Device device() {
        return device;
    }

    /** Drains the in-order queue: every kernel enqueued so far has run. */
    @Override public void synchronize() {
        rt.finish();
    }

    // ---- storage ------------------------------------------------------------------------------

    @Override public Storage allocate(int length) {
        return rt.zeros(length);
    }

    /** A pooled buffer left as it comes (the copy writes every element), then {@link #copyInto}. */
    @Override public Storage contiguous(Tensor x) {
        Storage s = rt.allocate(x.numel());
        copyInto(x, s, Layout.contiguous(x.shape()));
        return s;
    }

    @Override public Storage upload(float[] data) {
        return rt.upload(data);
    }

    @Override public float[] download(Tensor x) {
        return ClMemory.download(rt, x);
    }

    @Override public Storage full(int length, float value) {
        if (length < 0) throw new IllegalArgumentException("full: negative length " + length);
        return rt.full(length, value);
    }

    @Override public void copyInto(Tensor src, Storage dstStorage, Layout dst) {
        if (fb.routes("copyInto")) {
            var h = fb.host(dstStorage);
            fb.run("copyInto", cpu -> {
                cpu.copyInto(fb.host(src), h, dst);
                return null;
            });
            rt.write(ClStorage.of(dstStorage), h.data());
            return;
        }
        ClMemory.copyInto(rt, src, dstStorage, dst);
    }

    @Override public Storage random(RandomKind kind, int length, long seed, long offset) {
        if (fb.routes("random")) return fb.storage("random", cpu -> cpu.random(kind, length, seed, offset));
        return ClMemory.random(rt, kind, length, seed, offset);
    }

    // ---- elementwise and reductions -----------------------------------------------------------

    @Override public Storage unary(UnaryOp op, Tensor x) {
        if (fb.routes("unary")) return fb.storage("unary", cpu -> cpu.unary(op, fb.host(x)));
        return ClElementwise.unary(rt, op, x);
    }

    @Override public Storage binary(BinaryOp op, Tensor a, Tensor b) {
        if (fb.routes("binary")) return fb.storage("binary", cpu -> cpu.binary(op, fb.host(a), fb.host(b)));
        return ClElementwise.binary(rt, op, a, b);
    }

    @Override public Storage where(Tensor cond, Tensor a, Tensor b) {
        if (fb.routes("where")) return fb.storage("where", cpu -> cpu.where(fb.host(cond), fb.host(a), fb.host(b)));
        return ClElementwise.where(rt, cond, a, b);
    }

    @Override public Storage reduce(ReduceOp op, Tensor x, int[] dims) {
        if (fb.routes("reduce")) return fb.storage("reduce", cpu -> cpu.reduce(op, fb.host(x), dims));
        return ClReduce.reduce(rt, op, x, dims);
    }

    @Override public Storage argReduce(ReduceOp op, Tensor x, int dim) {
        if (fb.routes("argReduce")) return fb.storage("argReduce", cpu -> cpu.argReduce(op, fb.host(x), dim));
        return ClReduce.argReduce(rt, op, x, dim);
    }

    @Override public Storage gather(Tensor x, int dim, Tensor index) {
        if (fb.routes("gather")) return fb.storage("gather", cpu -> cpu.gather(fb.host(x), dim, fb.host(index)));
        return ClIndex.gather(rt, x, dim, index);
    }

    @Override public Storage scatterAdd(int[] shape, int dim, Tensor index, Tensor src) {
        if (fb.routes("scatterAdd")) return fb.storage("scatterAdd", cpu -> cpu.scatterAdd(shape, dim, fb.host(index), fb.host(src)));
        return ClIndex.scatterAdd(rt, shape, dim, index, src);
    }

    // ---- heavy ops ----------------------------------------------------------------------------

    @Override public Storage matmul(Tensor a, Tensor b) {
        if (fb.routes("matmul")) return fb.storage("matmul", cpu -> cpu.matmul(fb.host(a), fb.host(b)));
        return ClMatmul.matmul(rt, a, b);
    }

    @Override public Storage conv2d(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        if (fb.routes("conv2d")) return fb.storage("conv2d", cpu -> cpu.conv2d(fb.host(x), fb.host(w), fb.host(bias), p));
        return ClConv.conv2d(rt, x, w, bias, p);
    }

    @Override public Storage conv2dBackwardInput(Tensor dy, Tensor w, int[] inputShape, ConvParams p) {
        if (fb.routes("conv2dBackwardInput")) {
            return fb.storage("conv2dBackwardInput", cpu -> cpu.conv2dBackwardInput(fb.host(dy), fb.host(w), inputShape, p));
        }
        return ClConv.backwardInput(rt, dy, w, inputShape, p);
    }

    @Override public Storage conv2dBackwardWeight(Tensor x, Tensor dy, int[] weightShape, ConvParams p) {
        if (fb.routes("conv2dBackwardWeight")) {
            return fb.storage("conv2dBackwardWeight", cpu -> cpu.conv2dBackwardWeight(fb.host(x), fb.host(dy), weightShape, p));
        }
        return ClConv.backwardWeight(rt, x, dy, weightShape, p);
    }

    @Override public Storage unfold(Tensor x, int kH, int kW, ConvParams p, float padValue) {
        if (fb.routes("unfold")) return fb.storage("unfold", cpu -> cpu.unfold(fb.host(x), kH, kW, p, padValue));
        return ClUnfold.unfold(rt, x, kH, kW, p, padValue);
    }

    @Override public Storage fold(Tensor cols, int[] inputShape, int kH, int kW, ConvParams p) {
        if (fb.routes("fold")) return fb.storage("fold", cpu -> cpu.fold(fb.host(cols), inputShape, kH, kW, p));
        return ClUnfold.fold(rt, cols, inputShape, kH, kW, p);
    }

    @Override public Storage softmax(Tensor x, int dim, boolean log) {
        if (fb.routes("softmax")) return fb.storage("softmax", cpu -> cpu.softmax(fb.host(x), dim, log));
        return ClSoftmax.forward(rt, x, dim, log);
    }

    @Override public Storage softmaxBackward(Tensor y, Tensor dy, int dim, boolean log) {
        if (fb.routes("softmaxBackward")) return fb.storage("softmaxBackward", cpu -> cpu.softmaxBackward(fb.host(y), fb.host(dy), dim, log));
        return ClSoftmax.backward(rt, y, dy, dim, log);
    }

    @Override public NormOutput groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, float eps) {
        if (fb.routes("groupNorm")) return fb.norm("groupNorm", cpu -> cpu.groupNorm(fb.host(x), fb.host(gamma), fb.host(beta), groups, eps));
        return ClNorm.groupNorm(rt, x, gamma, beta, groups, eps);
    }

    @Override public NormGrads groupNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma, int groups) {
        if (fb.routes("groupNormBackward")) {
            return fb.normGrads("groupNormBackward", cpu -> cpu.groupNormBackward(fb.host(dy), fb.host(x), fb.host(mean), fb.host(rstd),
                    fb.host(gamma), groups));
        }
        return ClNorm.groupNormBackward(rt, dy, x, mean, rstd, gamma, groups);
    }

    @Override public NormOutput layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        if (fb.routes("layerNorm")) return fb.norm("layerNorm", cpu -> cpu.layerNorm(fb.host(x), fb.host(gamma), fb.host(beta), eps));
        return ClNorm.layerNorm(rt, x, gamma, beta, eps);
    }

    @Override public NormGrads layerNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma) {
        if (fb.routes("layerNormBackward")) {
            return fb.normGrads("layerNormBackward", cpu -> cpu.layerNormBackward(fb.host(dy), fb.host(x), fb.host(mean), fb.host(rstd),
                    fb.host(gamma)));
        }
        return ClNorm.layerNormBackward(rt, dy, x, mean, rstd, gamma);
    }

    @Override public AttentionOutput attention(Tensor q, Tensor k, Tensor v, Tensor keyMask, boolean causal, float scale) {
        if (fb.routes("attention")) {
            return fb.attention("attention", cpu -> cpu.attention(fb.host(q), fb.host(k), fb.host(v), fb.host(keyMask), causal, scale));
        }
        return ClAttention.forward(rt, q, k, v, keyMask, causal, scale);
    }

    @Override public AttentionGrads attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dout,
                                                      Tensor keyMask, boolean causal, float scale) {
        if (fb.routes("attentionBackward")) {
            return fb.attentionGrads("attentionBackward", cpu -> cpu.attentionBackward(fb.host(q), fb.host(k), fb.host(v), fb.host(out),
                    fb.host(lse), fb.host(dout), fb.host(keyMask), causal, scale));
        }
        return ClAttention.backward(rt, q, k, v, out, lse, dout, keyMask, causal, scale);
    }

    // ---- optimizer ----------------------------------------------------------------------------

    @Override public AdamOutput adam(Tensor w, Tensor g, Tensor m, Tensor v, AdamUpdate u) {
        if (fb.routes("adam")) return fb.adam("adam", cpu -> cpu.adam(fb.host(w), fb.host(g), fb.host(m), fb.host(v), u));
        return ClOptim.adam(rt, w, g, m, v, u);
    }

    @Override public String toString() {
        return "OpenClBackend(" + device + ": " + rt.info() + ")";
    }
}
