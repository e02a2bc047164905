package diffusion4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import diffusion4j.autograd.NN;
import diffusion4j.autograd.Variable;
import diffusion4j.nn.Linear;
import diffusion4j.optim.AdamW;
import diffusion4j.optim.LrSchedule;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** The README's example, verbatim between the markers, so the README cannot drift from the API. */
class ReadmeExampleTest {
    @Test void readmeExampleLearnsTheLine() {
        // README-BEGIN
        Device cpu = Device.CPU;
        Generator gen = new Generator(0);
        // Noisy samples of y = 3x - 1.
        Tensor x = Tensor.randn(cpu, gen, 256, 1);
        Tensor y = x.mul(3f).sub(1f).add(Tensor.randn(cpu, gen, 256, 1).mul(0.1f));

        Linear model = new Linear(1, 1, cpu, gen);
        AdamW opt = new AdamW(model.namedParameters(), LrSchedule.constant(0.05));
        for (int step = 0; step < 300; step++) {
            // A scope per step recycles the step's activations and gradients (optional; see TensorScope).
            try (TensorScope scope = TensorScope.open()) {
                Variable loss = NN.mse(model.forward(Variable.constant(x)), y);
                opt.zeroGrad();
                loss.backward();
                opt.step(); // the new weights are made outside the scope and persist
            }
        }
        System.out.println(model.stateDict()); // weight close to 3, bias close to -1
        // README-END
        assertEquals(3f, model.stateDict().get("weight").item(), 0.05f);
        assertEquals(-1f, model.stateDict().get("bias").item(), 0.05f);
    }
}
