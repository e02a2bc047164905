package diffusion4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * A backward inside a {@link TensorScope} gives gradients' memory back as the walk goes (each rule's
 * temporaries when it returns, each gradient once consumed), and that never changes a result: the
 * gradients are compared bit for bit with a backward outside any scope. The suite runs with
 * poisoned arrays ({@code diffusion4j.pool.poison}), so an array recycled while a gradient still
 * lived on it would come back as NaN.
 */
class ScopedBackwardTest {
    private static final Device CPU = Device.parse("cpu");
    private static final int ROWS = 64, COLS = 128; // 8192 floats: above the pool's minimum length

    private static Tensor randn(long seed) {
        Random r = new Random(seed);
        float[] v = new float[ROWS * COLS];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian() * 0.5f;
        return Tensor.of(CPU, v, ROWS, COLS);
    }

    /**
     * Gradients that share storage: ADD hands its incoming gradient to both inputs (h directly and
     * through exp), RESHAPE returns a view of its incoming gradient, r feeds two consumers whose
     * gradients are summed, and w gets its gradient both as a leaf and through h.
     */
    private static Variable loss(Variable x, Variable w) {
        Variable h = x.mul(w);
        Variable s = h.add(h.exp()).add(w);
        Variable r = s.reshape(COLS, ROWS);
        return r.sigmoid().mul(r).sum();
    }

    private static float[][] gradients(BiFunction<Variable, Variable, Variable> f, boolean scoped, boolean twice) {
        Variable x = Variable.parameter(randn(1)), w = Variable.parameter(randn(2));
        if (!scoped) {
            Variable l = f.apply(x, w);
            l.backward(Tensor.full(CPU, 1f, l.shape()), twice);
            if (twice) l.backward(Tensor.full(CPU, 1f, l.shape()), false);
            return new float[][] {x.grad().toFloatArray(), w.grad().toFloatArray()};
        }
        TensorScope.clearPool();
        try (TensorScope step = TensorScope.open()) {
            Variable l = f.apply(x, w);
            long before = TensorScope.pooledBytes();
            l.backward(Tensor.full(CPU, 1f, l.shape()), twice);
            if (twice) l.backward(Tensor.full(CPU, 1f, l.shape()), false);
            if (!twice) {
                assertTrue(TensorScope.pooledBytes() > before,
                        "memory of gradients and temporaries should go back to the pool during backward, not only at close");
            }
            return new float[][] {x.grad().toFloatArray(), w.grad().toFloatArray()}; // read before the scope closes
        }
    }

    @Test void gradientsInAScopeAreBitIdenticalAndMemoryComesBackEarly() {
        float[][] plain = gradients(ScopedBackwardTest::loss, false, false);
        float[][] scoped = gradients(ScopedBackwardTest::loss, true, false);
        assertArrayEquals(plain[0], scoped[0], 0f, "dx");
        assertArrayEquals(plain[1], scoped[1], 0f, "dw");
    }

    @Test void aRetainedGraphIsNotRecycledBetweenBackwards() {
        float[][] plain = gradients(ScopedBackwardTest::loss, false, true);
        float[][] scoped = gradients(ScopedBackwardTest::loss, true, true);
        assertArrayEquals(plain[0], scoped[0], 0f, "dx after two backwards");
        assertArrayEquals(plain[1], scoped[1], 0f, "dw after two backwards");
    }

    /**
     * Identity whose backward hands back, as its input's gradient, the very tensor its forward
     * made (a test device, not a derivative): a storage the walk did not make, in flight as a gradient.
     */
    static final class ReturnsSaved extends Function {
        Tensor saved;

        Variable apply(Variable x) {
            saved = x.data().mul(1f);
            return record(saved, x);
        }

        @Override protected Tensor[] backward(Tensor g) {
            return grads(saved);
        }
    }

    /** Passes its incoming gradient through unchanged, so that gradient's storage is the caller's seed. */
    static final class PassThrough extends Function {
        Variable apply(Variable x) {
            return record(x.data().mul(1f), x);
        }

        @Override protected Tensor[] backward(Tensor g) {
            return grads(g);
        }
    }

    @Test void storagesTheWalkDidNotMakeAreNeverReleased() {
        Variable x = Variable.parameter(randn(3));
        try (TensorScope step = TensorScope.open()) {
            // y = 3x, handed back as the gradient of 3x (not a leaf, so its gradient is consumed and dropped);
            // the seed passes through PassThrough as is.
            Variable y = new ReturnsSaved().apply(x.mul(3f));
            Variable z = new PassThrough().apply(y.mul(2f));
            Tensor seed = randn(4);
            z.backward(seed, false);
            float[] xs = x.data().toFloatArray(), yd = y.data().toFloatArray(), gx = x.grad().toFloatArray();
            for (int i = 0; i < xs.length; i++) {
                assertEquals(3f * xs[i], yd[i], 0f, "y, a tensor of the forward, after backward at " + i);
                assertEquals(3f * yd[i], gx[i], 0f, "dx = 3 y at " + i);
            }
            assertArrayEquals(randn(4).toFloatArray(), seed.toFloatArray(), 0f, "the seed after backward");
        }
    }
}
