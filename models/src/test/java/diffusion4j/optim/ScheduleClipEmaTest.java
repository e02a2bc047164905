package diffusion4j.optim;

import diffusion4j.autograd.Variable;
import diffusion4j.nn.Linear;
import diffusion4j.tensor.Device;
import diffusion4j.tensor.Generator;
import diffusion4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Learning-rate schedules at key steps, clipping by global norm, EMA arithmetic, checkpoints. */
class ScheduleClipEmaTest {
    static final Device DEV = Device.REFERENCE;

    @Test void warmupThenCosineAtKeySteps() {
        LrSchedule s = LrSchedule.warmupCosine(1.0, 0.1, 4, 14); // 4 warm-up steps, 10 cosine steps
        assertEquals(0.25, s.at(0), 1e-12);   // (0+1)/4
        assertEquals(0.75, s.at(2), 1e-12);
        assertEquals(1.0, s.at(3), 1e-12);    // warm-up reaches the peak on its last step
        assertEquals(1.0, s.at(4), 1e-12);    // cosine at 0: max
        assertEquals(0.55, s.at(9), 1e-12);   // cosine half way: (max + min) / 2
        assertEquals(0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.8)), s.at(12), 1e-12);
        assertEquals(0.1, s.at(14), 1e-12);   // the end: min
        assertEquals(0.1, s.at(1000), 1e-12); // held after the end
    }

    @Test void schedulesCompose() {
        LrSchedule s = LrSchedule.constant(2).then(3, LrSchedule.linearWarmup(1, 2)).scaled(0.5);
        assertEquals(List.of(1.0, 1.0, 1.0, 0.25, 0.5, 0.5), java.util.stream.LongStream.range(0, 6).mapToObj(s::at).toList());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LrSchedule.warmupCosine(1, 0, 5, 5));
        assertTrue(e.getMessage().contains("0 <= warmup < total"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LrSchedule.constant(-1));
        assertTrue(e.getMessage().contains(">= 0"), e.getMessage());
    }

    @Test void clipByGlobalNorm() {
        Variable a = Variable.parameter(Tensor.zeros(DEV, 2)), b = Variable.parameter(Tensor.zeros(DEV, 1)),
                none = Variable.parameter(Tensor.zeros(DEV, 1));
        a.setGrad(Tensor.of(DEV, new float[] {3, 4}, 2));
        b.setGrad(Tensor.of(DEV, new float[] {12}, 1));
        // sqrt(9 + 16 + 144) = 13; clipping to 6.5 halves every gradient (up to the 1e-6 guard).
        assertEquals(13, GradClip.clipGradNorm(List.of(a, b, none), 6.5), 1e-6);
        double k = 6.5 / (13 + 1e-6);
        assertArrayEquals(new float[] {(float) (3 * k), (float) (4 * k)}, a.grad().toFloatArray(), 1e-6f);
        assertEquals(12 * k, b.grad().item(), 1e-5);
        assertNull(none.grad());
        // Below the threshold nothing changes.
        assertEquals(6.5, GradClip.clipGradNorm(List.of(a, b), 100), 1e-5);
        assertEquals(12 * k, b.grad().item(), 1e-5);
    }

    @Test void emaFollowsItsRecurrenceAndCopies() {
        Linear lin = new Linear(1, 1, false, DEV, new Generator(0));
        lin.weight().setData(Tensor.of(DEV, new float[] {1}, 1, 1));
        Ema ema = new Ema(lin, 0.9);
        lin.weight().setData(Tensor.of(DEV, new float[] {2}, 1, 1));
        ema.update(); // 0.9 * 1 + 0.1 * 2
        assertEquals(1.1, ema.stateDict().get("weight").item(), 1e-6);
        ema.update(); // 0.9 * 1.1 + 0.1 * 2
        assertEquals(1.19, ema.stateDict().get("weight").item(), 1e-6);
        Linear copy = new Linear(1, 1, false, DEV, new Generator(1));
        ema.copyTo(copy);
        assertEquals(1.19, copy.weight().data().item(), 1e-6);
        assertEquals(2, lin.weight().data().item(), 0, "the live weights are untouched");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ema.copyTo(new Linear(1, 1, true, DEV, new Generator(0))));
        assertTrue(e.getMessage().contains("differ from the averaged"), e.getMessage());
    }

    @Test void checkpointRestoresModelOptimizerEmaAndCounters(@TempDir Path dir) throws Exception {
        Linear a = new Linear(3, 2, DEV, new Generator(1));
        AdamW opt = new AdamW(a.namedParameters(), LrSchedule.constant(0.01));
        Ema ema = new Ema(a, 0.99);
        Variable x = Variable.constant(Tensor.of(DEV, new float[] {1, 2, 3}, 1, 3));
        for (int s = 0; s < 2; s++) {
            opt.zeroGrad();
            a.forward(x).square().sum().backward();
            opt.step();
            ema.update();
        }
        Path file = dir.resolve("ckpt.safetensors");
        Checkpoint.save(file, a, opt, ema, Map.of("epoch", 3L));

        Linear b = new Linear(3, 2, DEV, new Generator(9));
        AdamW optB = new AdamW(b.namedParameters(), LrSchedule.constant(0.01));
        Ema emaB = new Ema(b, 0.99);
        Map<String, Long> counters = Checkpoint.restore(file, b, optB, emaB);
        assertEquals(Map.of("epoch", 3L), counters);
        assertEquals(2, optB.stepCount());
        assertArrayEquals(a.weight().data().toFloatArray(), b.weight().data().toFloatArray());
        assertArrayEquals(opt.stateDict().get("exp_avg_sq.weight").toFloatArray(), optB.stateDict().get("exp_avg_sq.weight").toFloatArray());
        assertArrayEquals(ema.stateDict().get("bias").toFloatArray(), emaB.stateDict().get("bias").toFloatArray());
        // The restored pair takes the same next step as the original.
        for (var pair : List.of(List.of(a, opt), List.of(b, optB))) {
            Linear m = (Linear) pair.get(0);
            Optimizer o = (Optimizer) pair.get(1);
            o.zeroGrad();
            m.forward(x).square().sum().backward();
            o.step();
        }
        assertArrayEquals(a.weight().data().toFloatArray(), b.weight().data().toFloatArray());

        Linear other = new Linear(4, 2, DEV, new Generator(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.restore(file, other, null, null));
        assertTrue(e.getMessage().contains("weight: checkpoint (2, 3), module (2, 4)"), e.getMessage());
    }
}
