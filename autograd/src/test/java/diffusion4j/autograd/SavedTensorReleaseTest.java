package diffusion4j.autograd;

import static diffusion4j.autograd.AgTesting.of;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diffusion4j.tensor.Device;
import diffusion4j.tensor.Tensor;
import java.lang.ref.WeakReference;
import org.junit.jupiter.api.Test;

/**
 * Saved activations are released as the backward walk goes, not when it ends: a tensor that only a
 * downstream op saved must become unreachable before the backward of an upstream op runs, as in
 * PyTorch, so a training step's peak is not all activations plus all gradients at once. Observed
 * with a {@link WeakReference} polled under {@code System.gc()} from inside the upstream backward.
 */
class SavedTensorReleaseTest {
    private static final long TIMEOUT_MS = 10_000;

    /**
     * Identity (a fresh copy of its input) whose backward, which the walk reaches after every
     * consumer's backward, records whether the watched tensor has been collected by then.
     */
    static final class Probe extends Function {
        WeakReference<Tensor> watched;
        boolean poll = true;
        Boolean collectedBeforeMyBackward;

        Variable apply(Variable x) {
            return record(x.data().mul(1f), x);
        }

        @Override protected Tensor[] backward(Tensor g) {
            if (poll) collectedBeforeMyBackward = collected(watched);
            return grads(g);
        }
    }

    /** System.gc() until the referent is gone or the timeout passes; true when it was collected. */
    static boolean collected(WeakReference<?> ref) {
        long end = System.nanoTime() + TIMEOUT_MS * 1_000_000;
        while (ref.get() != null && System.nanoTime() < end) {
            System.gc();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return ref.get() == null;
    }

    /**
     * loss = sum(h * h) with h = probe(x): MUL saves h's data, the only thing that keeps it alive
     * once forward returned. Built in its own method so no local of the caller holds h.
     */
    private static Variable lossThroughProbe(Variable x, Probe probe) {
        Variable h = probe.apply(x);
        probe.watched = new WeakReference<>(h.data());
        return h.mul(h).sum();
    }

    @Test void aSavedTensorIsReleasedRightAfterItsBackwardRan() {
        Variable x = Variable.parameter(of(new float[] {1, -2, 3}, 3));
        Probe probe = new Probe();
        Variable loss = lossThroughProbe(x, probe);
        // The forward graph must really hold it: otherwise the test would pass without any release.
        assertNotNull(probe.watched.get(), "the product saved h before backward");
        loss.backward();
        assertTrue(probe.collectedBeforeMyBackward, "h (saved by the product) was still reachable when the upstream backward ran");
        assertArrayEquals(new float[] {2, -4, 6}, x.grad().toFloatArray(), 1e-6f); // d sum(x^2) = 2x
    }

    @Test void retainGraphKeepsSavedTensorsForASecondBackward() {
        Variable x = Variable.parameter(of(new float[] {1, -2, 3}, 3));
        Probe probe = new Probe();
        probe.poll = false; // h is expected to stay: polling would only wait out the timeout
        Variable loss = lossThroughProbe(x, probe);
        loss.backward(Tensor.full(Device.REFERENCE, 1f), true);
        // A strongly reachable object survives any collection, so this check is deterministic.
        System.gc();
        assertNotNull(probe.watched.get(), "retainGraph must keep the saved tensor for the second backward");
        loss.backward(Tensor.full(Device.REFERENCE, 1f), false);
        assertArrayEquals(new float[] {4, -8, 12}, x.grad().toFloatArray(), 1e-6f); // two backwards of 2x
    }

    /**
     * loss = sum((x + 1) + 1): neither addition nor the sum saves its input's data (only shapes), so
     * the intermediate a = x + 1 must not be kept by the graph at all, as in PyTorch, where a node
     * links to the node that made its input rather than to the input tensor.
     */
    private static Variable lossThroughTwoAdds(Variable x, WeakReference<Tensor>[] watch) {
        Variable one = Variable.constant(Tensor.full(Device.REFERENCE, 1f, 3));
        Variable a = x.add(one);
        watch[0] = new WeakReference<>(a.data());
        return a.add(one).sum();
    }

    @Test void anIntermediateNoOpSavedIsNotKeptByTheGraph() {
        Variable x = Variable.parameter(of(new float[] {1, -2, 3}, 3));
        @SuppressWarnings("unchecked") WeakReference<Tensor>[] watch = new WeakReference[1];
        Variable loss = lossThroughTwoAdds(x, watch);
        assertTrue(collected(watch[0]), "x + 1 was kept alive by the recorded graph though no backward reads it");
        loss.backward();
        assertArrayEquals(new float[] {1, 1, 1}, x.grad().toFloatArray(), 0f);
    }
}
