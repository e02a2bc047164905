package diffusion4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.autograd.NN;
import diffusion4j.autograd.Variable;
import diffusion4j.models.unet.UNetStage;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Training inside a {@link TensorScope} per step (arrays recycled between steps) gives bit for bit
 * what training without one gives: the UNet stage (group norm, SiLU, conv, attention), gradient
 * clipping, AdamW and an EMA, over four steps on the CPU backend.
 */
class ScopedTrainingTest {
    private static final int STEPS = 4;

    private record Run(Map<String, Tensor> weights, Map<String, Tensor> optimizer, Tensor emaFirst, List<Float> losses) {}

    private static Run train(boolean scoped) {
        Device d = Device.CPU;
        UNetStage stage = new UNetStage(32, 128, 8, 2, false, d, new Generator(11));
        AdamW opt = new AdamW(stage.namedParameters(), LrSchedule.constant(1e-2));
        Ema ema = new Ema(stage, 0.9);
        Tensor x = Tensor.randn(d, new Generator(12), 2, 32, 8, 8), temb = Tensor.randn(d, new Generator(13), 2, 128);
        Tensor target = Tensor.randn(d, new Generator(14), 2, 32, 8, 8);
        List<Float> losses = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) {
            TensorScope scope = scoped ? TensorScope.open() : null;
            try {
                opt.zeroGrad();
                Variable loss = NN.mse(stage.forward(Variable.constant(x), Variable.constant(temb)), target);
                loss.backward();
                GradClip.clipGradNorm(stage.parameters(), 0.5);
                opt.step();
                ema.update();
                losses.add(loss.data().item());
            } finally {
                if (scope != null) scope.close();
            }
        }
        UNetStage averaged = new UNetStage(32, 128, 8, 2, false, d, new Generator(99));
        ema.copyTo(averaged);
        return new Run(stage.stateDict(), opt.stateDict(), averaged.stateDict().values().iterator().next(), losses);
    }

    @Test void scopedStepsMatchUnscopedBitForBit() {
        Run plain = train(false), scoped = train(true);
        assertEquals(plain.losses(), scoped.losses());
        assertTrue(plain.losses().get(STEPS - 1) < plain.losses().get(0), "training moved: " + plain.losses());
        assertEquals(plain.weights().keySet(), scoped.weights().keySet());
        for (String k : plain.weights().keySet()) {
            assertArrayEquals(plain.weights().get(k).toFloatArray(), scoped.weights().get(k).toFloatArray(), k);
        }
        for (String k : plain.optimizer().keySet()) {
            assertArrayEquals(plain.optimizer().get(k).toFloatArray(), scoped.optimizer().get(k).toFloatArray(), "optimizer " + k);
        }
        assertArrayEquals(plain.emaFirst().toFloatArray(), scoped.emaFirst().toFloatArray(), "EMA weights");
    }

    @Test void gradientsOfAClosedStepCannotBeReadByMistake() {
        UNetStage stage = new UNetStage(32, 128, 8, 2, false, Device.CPU, new Generator(21));
        Tensor x = Tensor.randn(Device.CPU, new Generator(22), 2, 32, 8, 8), temb = Tensor.randn(Device.CPU, new Generator(23), 2, 128);
        try (TensorScope s = TensorScope.open()) {
            NN.mse(stage.forward(Variable.constant(x), Variable.constant(temb)), x).backward();
        }
        Variable w = stage.parameters().get(0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.grad().toFloatArray());
        assertTrue(e.getMessage().contains("TensorScope"), e.getMessage());
    }
}
