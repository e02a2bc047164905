package diffusion4j.nn;

import diffusion4j.autograd.NN;
import diffusion4j.autograd.Variable;
import diffusion4j.kernels.opencl.OpenClAvailable;
import diffusion4j.optim.LrSchedule;
import diffusion4j.optim.SGD;
import diffusion4j.tensor.ConvParams;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.testing.Close;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A whole small model's training step (conv, group norm, SiLU, multi-head self-attention over the
 * pixels, layer norm, linear head, cross-entropy, backward, optimizer step) gives the same loss,
 * gradients and updated weights on OpenCL as on the CPU backend, from the same weights and batch.
 * Nothing in autograd or the model knows which backend runs it.
 *
 * <p>The step is SGD with momentum, not Adam: the attention key bias has an exactly-zero gradient
 * (softmax ignores a per-query constant), so both backends hold only rounding noise there, and
 * Adam's first step, m / sqrt(v), turns noise of either sign into a full-size update.
 */
@ExtendWith(OpenClAvailable.class)
class OpenClTrainingStepTest {
    /** (N, 3, 6, 6) images to 5 classes through every heavy op family. */
    static final class Tiny extends Layer {
        final Conv2d conv;
        final GroupNorm norm;
        final MultiHeadAttention attn;
        final LayerNorm ln;
        final Linear head;

        Tiny(Device d, Generator g) {
            conv = registerModule("conv", new Conv2d(3, 8, 3, ConvParams.of(1, 1), true, d, g));
            norm = registerModule("norm", new GroupNorm(4, 8, d));
            attn = registerModule("attn", new MultiHeadAttention(8, 2, d, g));
            ln = registerModule("ln", new LayerNorm(8, d));
            head = registerModule("head", new Linear(8, 5, d, g));
        }

        @Override public Variable forward(Variable x) {
            Variable h = norm.forward(conv.forward(x)).silu();                    // (N, 8, 6, 6)
            int n = h.dim(0);
            Variable tokens = h.reshape(n, 8, 36).transpose(1, 2);                // (N, 36, 8)
            tokens = tokens.add(attn.forward(tokens));
            return head.forward(ln.forward(tokens).mean(1, false));             // (N, 5)
        }
    }

    record Step(float loss, Map<String, float[]> grads, Map<String, float[]> after) {}

    static Step step(Device device, Map<String, Tensor> weights, Tensor images, Tensor labels) {
        Tiny model = new Tiny(device, new Generator(99));
        model.loadStateDict(weights, true);
        SGD opt = new SGD(model.namedParameters(), LrSchedule.constant(0.1), 0.9, false, 1e-4);
        Variable loss = NN.crossEntropy(model.forward(Variable.constant(images.to(device))), labels.to(device));
        opt.zeroGrad();
        loss.backward();
        Map<String, float[]> grads = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> grads.put(name, p.grad().toFloatArray()));
        opt.step();
        Map<String, float[]> after = new LinkedHashMap<>();
        model.stateDict().forEach((name, t) -> after.put(name, t.toFloatArray()));
        return new Step(loss.data().item(), grads, after);
    }

    @Test void trainingStepMatchesTheCpuBackend() {
        Generator gen = new Generator(5);
        Map<String, Tensor> weights = new Tiny(Device.CPU, gen).stateDict();
        Tensor images = Tensor.randn(Device.CPU, gen, 4, 3, 6, 6);
        Tensor labels = Tensor.of(Device.CPU, new float[] {0, 3, 4, 1}, 4);

        Step cpu = step(Device.CPU, weights, images, labels);
        Step cl = step(Device.opencl(0), weights, images, labels);
        Close.assertClose(new float[] {cpu.loss()}, new float[] {cl.loss()}, 1e-5, 1e-5, "loss");
        for (String name : cpu.grads().keySet()) {
            Close.assertClose(cpu.grads().get(name), cl.grads().get(name), 2e-5, 1e-3, "gradient of " + name);
            Close.assertClose(cpu.after().get(name), cl.after().get(name), 1e-5, 1e-4, "weight after the step: " + name);
        }
    }
}
