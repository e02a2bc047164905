package diffusion4j.tensor.reference;

import diffusion4j.tensor.AdamUpdate;
import diffusion4j.tensor.AttentionShape;
import diffusion4j.tensor.Backend;
import diffusion4j.tensor.BinaryOp;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.HeapStorage;
import diffusion4j.tensor.Layout;
import diffusion4j.tensor.Philox;
import diffusion4j.tensor.RandomKind;
import diffusion4j.tensor.ReduceOp;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.UnaryOp;
import java.util.Arrays;

import static diffusion4j.tensor.reference.Strided.read;
import static diffusion4j.tensor.reference.Strided.readOrNull;
import static diffusion4j.tensor.reference.Strided.store;
import static diffusion4j.tensor.reference.Strided.storeOrNull;

/**
 * The scalar reference backend of {@link Device#REFERENCE}: dispatch and storage ops. Every op
 * reads its inputs into dense double arrays (whatever their strides), hands them to the op family's
 * file, and rounds the result to float once. Storage is {@link HeapStorage}, shared with the CPU
 * backend.
 */
public final class ReferenceBackend implements Backend {
    @Override public void synchronize() {
        // Every op has finished when it returns.
    }

    @Override public String name() {
        return "reference";
    }

    @Override public Device device() {
        return Device.REFERENCE;
    }

    // ---- storage ------------------------------------------------------------------------------

    @Override public Storage allocate(int length) {
        return new HeapStorage(length);
    }

    @Override public Storage contiguous(Tensor x) {
        return new HeapStorage(download(x));
    }

    @Override public Storage upload(float[] data) {
        return new HeapStorage(data); // owned, per the Backend contract
    }

    @Override public float[] download(Tensor x) {
        float[] data = HeapStorage.of(x.storage());
        int[] off = Strided.offsets(x.layout());
        float[] out = new float[off.length];
        for (int i = 0; i < off.length; i++) out[i] = data[off[i]];
        return out;
    }

    @Override public Storage full(int length, float value) {
        float[] out = new float[length];
        Arrays.fill(out, value);
        return new HeapStorage(out);
    }

    @Override public void copyInto(Tensor src, Storage dstStorage, Layout dst) {
        float[] from = download(src), to = HeapStorage.of(dstStorage);
        int[] off = Strided.offsets(dst);
        if (off.length != from.length) {
            throw new IllegalArgumentException("copyInto: source has " + from.length + " elements but the destination " + dst
                    + " has " + off.length);
        }
        for (int i = 0; i < off.length; i++) to[off[i]] = from[i];
    }

    @Override public Storage random(RandomKind kind, int length, long seed, long offset) {
        float[] out = new float[length];
        Philox.fill(kind, seed, offset, out, 0, length);
        return new HeapStorage(out);
    }

    // ---- elementwise and reductions -----------------------------------------------------------

    @Override public Storage unary(UnaryOp op, Tensor x) {
        return store(RefElementwise.unary(op, read(x)));
    }

    @Override public Storage binary(BinaryOp op, Tensor a, Tensor b) {
        return store(RefElementwise.binary(op, read(a), read(b)));
    }

    @Override public Storage where(Tensor cond, Tensor a, Tensor b) {
        return store(RefElementwise.where(read(cond), read(a), read(b)));
    }

    @Override public Storage reduce(ReduceOp op, Tensor x, int[] dims) {
        return store(RefReduce.reduce(op, read(x), x.shape(), dims));
    }

    @Override public Storage argReduce(ReduceOp op, Tensor x, int dim) {
        return store(RefReduce.argReduce(op, read(x), x.shape(), dim));
    }

    @Override public Storage gather(Tensor x, int dim, Tensor index) {
        return store(RefIndex.gather(read(x), x.shape(), dim, read(index), index.shape()));
    }

    @Override public Storage scatterAdd(int[] shape, int dim, Tensor index, Tensor src) {
        return store(RefIndex.scatterAdd(shape, dim, read(index), index.shape(), read(src)));
    }

    // ---- heavy ops ----------------------------------------------------------------------------

    @Override public Storage matmul(Tensor a, Tensor b) {
        return store(RefMatmul.matmul(read(a), read(b), a.dim(0), a.dim(1), a.dim(2), b.dim(2)));
    }

    @Override public Storage conv2d(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        return store(RefConv.conv2d(read(x), x.shape(), read(w), w.shape(), readOrNull(bias), p));
    }

    @Override public Storage conv2dBackwardInput(Tensor dy, Tensor w, int[] inputShape, ConvParams p) {
        return store(RefConv.backwardInput(read(dy), read(w), inputShape, w.shape(), p));
    }

    @Override public Storage conv2dBackwardWeight(Tensor x, Tensor dy, int[] weightShape, ConvParams p) {
        return store(RefConv.backwardWeight(read(x), read(dy), x.shape(), weightShape, p));
    }

    @Override public Storage unfold(Tensor x, int kH, int kW, ConvParams p, float padValue) {
        return store(RefConv.unfold(read(x), x.shape(), kH, kW, p, padValue));
    }

    @Override public Storage fold(Tensor cols, int[] inputShape, int kH, int kW, ConvParams p) {
        return store(RefConv.fold(read(cols), inputShape, kH, kW, p));
    }

    @Override public Storage softmax(Tensor x, int dim, boolean log) {
        return store(RefSoftmax.softmax(read(x), x.shape(), dim, log));
    }

    @Override public Storage softmaxBackward(Tensor y, Tensor dy, int dim, boolean log) {
        return store(RefSoftmax.backward(read(y), read(dy), y.shape(), dim, log));
    }

    @Override public NormOutput groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, float eps) {
        RefNorm.Out o = RefNorm.groupNorm(read(x), x.dim(0), x.dim(1), x.dim(2), readOrNull(gamma), readOrNull(beta), groups, eps);
        return new NormOutput(store(o.y()), store(o.mean()), store(o.rstd()));
    }

    @Override public NormGrads groupNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma, int groups) {
        RefNorm.Grads g = RefNorm.groupNormBackward(read(dy), read(x), read(mean), read(rstd), readOrNull(gamma),
                x.dim(0), x.dim(1), x.dim(2), groups);
        return grads(g);
    }

    @Override public NormOutput layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        RefNorm.Out o = RefNorm.layerNorm(read(x), x.dim(0), x.dim(1), readOrNull(gamma), readOrNull(beta), eps);
        return new NormOutput(store(o.y()), store(o.mean()), store(o.rstd()));
    }

    @Override public NormGrads layerNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma) {
        return grads(RefNorm.layerNormBackward(read(dy), read(x), read(mean), read(rstd), readOrNull(gamma), x.dim(0), x.dim(1)));
    }

    private static NormGrads grads(RefNorm.Grads g) {
        return new NormGrads(store(g.dx()), storeOrNull(g.dgamma()), storeOrNull(g.dbeta()));
    }

    @Override public AttentionOutput attention(Tensor q, Tensor k, Tensor v, Tensor keyMask, boolean causal, float scale) {
        RefAttention.Out o = RefAttention.attention(read(q), read(k), read(v), readOrNull(keyMask), causal, scale, dims(q, k, v));
        return new AttentionOutput(store(o.out()), store(o.lse()));
    }

    @Override public AttentionGrads attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dout,
                                                      Tensor keyMask, boolean causal, float scale) {
        RefAttention.Grads g = RefAttention.backward(read(q), read(k), read(v), read(out), read(lse), read(dout),
                readOrNull(keyMask), causal, scale, dims(q, k, v));
        return new AttentionGrads(store(g.dq()), store(g.dk()), store(g.dv()));
    }

    /** In double from the float inputs and constants, rounded once: the oracle for the fused kernels. */
    @Override public AdamOutput adam(Tensor w, Tensor g, Tensor m, Tensor v, AdamUpdate u) {
        double[] wd = read(w), gd = read(g), md = read(m), vd = read(v);
        for (int i = 0; i < wd.length; i++) {
            double gi = u.hasL2() ? gd[i] + wd[i] * u.l2() : gd[i];
            double wi = u.decoupled() ? wd[i] * u.decayFactor() : wd[i];
            md[i] = md[i] * u.beta1() + gi * u.oneMinusBeta1();
            vd[i] = vd[i] * u.beta2() + gi * gi * u.oneMinusBeta2();
            wd[i] = wi - md[i] / (Math.sqrt(vd[i]) / u.sqrtBc2() + u.eps()) * u.stepSize();
        }
        return new AdamOutput(store(wd), store(md), store(vd));
    }

    private static RefAttention.Dims dims(Tensor q, Tensor k, Tensor v) {
        AttentionShape s = AttentionShape.of(q, k, v); // any rank >= 3; read() flattens the batch dims in order
        return new RefAttention.Dims(s.b(), s.lq(), s.lk(), s.d(), s.dv());
    }

    @Override public String toString() {
        return "ReferenceBackend";
    }
}
