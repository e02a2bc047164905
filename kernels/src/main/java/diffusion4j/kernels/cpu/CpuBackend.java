package diffusion4j.kernels.cpu;

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
 * The multithreaded Vector API backend of {@link Device#CPU}. This class only dispatches: each op
 * family lives in its own file (CpuElementwise, CpuReduce, CpuSoftmax, CpuNorm, CpuIndex,
 * CpuMemory, CpuUnfold; CpuMatmul, CpuConv, CpuAttention for the heavy ops), all sharing
 * {@link Parallel} for threads and {@link Strided} for non-contiguous inputs. Storage is
 * {@link diffusion4j.tensor.HeapStorage}, the same as the reference backend's, so tensors of the two
 * mix without copies.
 */
public final class CpuBackend implements Backend {
    private final VectorSelfCheck selfCheck;

    CpuBackend(VectorSelfCheck selfCheck) {
        this.selfCheck = selfCheck;
    }

    /** What the Vector API self-check found when this backend opened. */
    public VectorSelfCheck selfCheck() {
        return selfCheck;
    }

    @Override public void synchronize() {
        // Every op, threads included, has finished when it returns.
    }

    @Override public String name() {
        return "cpu";
    }

    @Override public Device device() {
        return Device.CPU;
    }

    // ---- storage ------------------------------------------------------------------------------

    @Override public Storage allocate(int length) {
        return CpuMemory.allocate(length);
    }

    @Override public Storage contiguous(Tensor x) {
        return CpuMemory.contiguous(x);
    }

    @Override public Storage upload(float[] data) {
        return CpuMemory.upload(data);
    }

    @Override public float[] download(Tensor x) {
        return CpuMemory.download(x);
    }

    @Override public Storage full(int length, float value) {
        return CpuMemory.full(length, value);
    }

    @Override public void copyInto(Tensor src, Storage dstStorage, Layout dst) {
        CpuMemory.copyInto(src, dstStorage, dst);
    }

    @Override public Storage random(RandomKind kind, int length, long seed, long offset) {
        return CpuMemory.random(kind, length, seed, offset);
    }

    // ---- elementwise and reductions -----------------------------------------------------------

    @Override public Storage unary(UnaryOp op, Tensor x) {
        return CpuElementwise.unary(op, x);
    }

    @Override public Storage binary(BinaryOp op, Tensor a, Tensor b) {
        return CpuElementwise.binary(op, a, b);
    }

    @Override public Storage where(Tensor cond, Tensor a, Tensor b) {
        return CpuElementwise.where(cond, a, b);
    }

    @Override public Storage reduce(ReduceOp op, Tensor x, int[] dims) {
        return CpuReduce.reduce(op, x, dims);
    }

    @Override public Storage argReduce(ReduceOp op, Tensor x, int dim) {
        return CpuReduce.argReduce(op, x, dim);
    }

    @Override public Storage gather(Tensor x, int dim, Tensor index) {
        return CpuIndex.gather(x, dim, index);
    }

    @Override public Storage scatterAdd(int[] shape, int dim, Tensor index, Tensor src) {
        return CpuIndex.scatterAdd(shape, dim, index, src);
    }

    // ---- heavy ops ----------------------------------------------------------------------------

    @Override public Storage matmul(Tensor a, Tensor b) {
        return CpuMatmul.matmul(a, b);
    }

    @Override public Storage conv2d(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        return CpuConv.conv2d(x, w, bias, p);
    }

    @Override public Storage conv2dBackwardInput(Tensor dy, Tensor w, int[] inputShape, ConvParams p) {
        return CpuConv.backwardInput(dy, w, inputShape, p);
    }

    @Override public Storage conv2dBackwardWeight(Tensor x, Tensor dy, int[] weightShape, ConvParams p) {
        return CpuConv.backwardWeight(x, dy, weightShape, p);
    }

    @Override public Storage unfold(Tensor x, int kH, int kW, ConvParams p, float padValue) {
        return CpuUnfold.unfold(x, kH, kW, p, padValue);
    }

    @Override public Storage fold(Tensor cols, int[] inputShape, int kH, int kW, ConvParams p) {
        return CpuUnfold.fold(cols, inputShape, kH, kW, p);
    }

    @Override public Storage softmax(Tensor x, int dim, boolean log) {
        return CpuSoftmax.forward(x, dim, log);
    }

    @Override public Storage softmaxBackward(Tensor y, Tensor dy, int dim, boolean log) {
        return CpuSoftmax.backward(y, dy, dim, log);
    }

    @Override public NormOutput groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, float eps) {
        return CpuNorm.groupNorm(x, gamma, beta, groups, eps);
    }

    @Override public NormGrads groupNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma, int groups) {
        return CpuNorm.groupNormBackward(dy, x, mean, rstd, gamma, groups);
    }

    @Override public NormOutput layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        return CpuNorm.layerNorm(x, gamma, beta, eps);
    }

    @Override public NormGrads layerNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor gamma) {
        return CpuNorm.layerNormBackward(dy, x, mean, rstd, gamma);
    }

    @Override public AttentionOutput attention(Tensor q, Tensor k, Tensor v, Tensor keyMask, boolean causal, float scale) {
        return CpuAttention.forward(q, k, v, keyMask, causal, scale);
    }

    @Override public AttentionGrads attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dout,
                                                      Tensor keyMask, boolean causal, float scale) {
        return CpuAttention.backward(q, k, v, out, lse, dout, keyMask, causal, scale);
    }

    // ---- optimizer ----------------------------------------------------------------------------

    @Override public AdamOutput adam(Tensor w, Tensor g, Tensor m, Tensor v, AdamUpdate u) {
        return CpuOptim.adam(w, g, m, v, u);
    }

    @Override public String toString() {
        return "CpuBackend(" + VecMath.S + ", " + GemmKernel.REGISTERS + " vector registers)";
    }
}
