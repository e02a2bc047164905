package diffusion4j.autograd;

import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Storage;
import diffusion4j.tensor.Tensor;
import diffusion4j.tensor.TensorScope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reverse walk. Functions are visited in reverse topological order (found iteratively, so a
 * graph thousands of ops deep cannot overflow the stack), each after every consumer of its output
 * has contributed its gradient. Gradients of an output used several times are summed; leaves
 * accumulate into {@link Variable#grad()} across calls.
 */
final class Engine {
    private Engine() {}

    static void backward(Variable root, Tensor seed, boolean retainGraph) {
        if (!Arrays.equals(seed.shape(), root.shape())) {
            throw new IllegalArgumentException("backward: seed of shape " + Shapes.format(seed.shape()) + " for a variable of shape "
                    + Shapes.format(root.shape()));
        }
        if (!seed.device().equals(root.device())) {
            throw new IllegalArgumentException("backward: seed on " + seed.device() + " for a variable on " + root.device());
        }
        if (root.gradFn() == null) { // a leaf: its own gradient is the seed
            root.accumulate(seed);
            return;
        }
        List<Function> order = topologicalOrder(root.gradFn());
        Map<Function, Tensor> pending = new IdentityHashMap<>();
        pending.put(root.gradFn(), seed);
        Recycler recycler = new Recycler(retainGraph ? null : TensorScope.current());
        // order lists each function after the functions that made its inputs; walking it from the end
        // reaches a function only after every consumer of its output has added its gradient.
        for (int i = order.size() - 1; i >= 0; i--) {
            Function f = order.get(i);
            Tensor g = pending.remove(f);
            if (g != null) {
                Tensor[] grads = recycler.backward(f, g);
                // Every returned gradient is counted before any is consumed: two of them may share a storage.
                for (int j = 0; j < f.arity(); j++) {
                    if (!f.needsGrad(j) || grads[j] == null) continue;
                    check(f, j, grads[j]);
                    recycler.hold(grads[j]);
                }
                for (int j = 0; j < f.arity(); j++) {
                    if (!f.needsGrad(j) || grads[j] == null) continue;
                    Function up = f.creator(j);
                    if (up == null) {
                        Variable leaf = f.leaf(j);
                        leaf.accumulate(grads[j]);
                        recycler.handedTo(leaf, grads[j]);
                    } else {
                        Tensor before = pending.get(up);
                        if (before == null) {
                            pending.put(up, grads[j]); // the hold moves into pending
                        } else {
                            Tensor sum = before.add(grads[j]);
                            pending.put(up, sum);
                            recycler.summed(sum, before, grads[j]);
                        }
                    }
                }
                recycler.drop(g);
            }
            if (!retainGraph) f.free();
        }
    }

    /**
     * Gives gradients' memory back while the walk goes on, when it runs in a {@link TensorScope}:
     * PyTorch frees a gradient as soon as its reference count drops to zero, so a backward's peak
     * is the activations plus the gradients in flight, not every gradient of the step. Java has no
     * reference counts, so the walk keeps its own for the storages it made: each backward rule runs
     * in a scope of its own, which returns the rule's temporaries to the pool as it closes; the
     * gradients the rule returns move out to the step's scope and are counted here (per storage,
     * since a rule may return its incoming gradient, or a view of it, for several inputs), and
     * released when the last gradient on a storage has been consumed. Storages the walk did not make
     * (the seed, a saved tensor a rule returns as is) and those handed to a leaf are never released here.
     * Without a scope (or with a retained graph) it counts nothing and the rules run as they are.
     */
    private static final class Recycler {
        /** The step's scope, or null: then nothing is counted or released. */
        private final TensorScope scope;
        /** Storages the walk made, with the number of gradients in flight on each. */
        private final Map<Storage, Integer> counts = new IdentityHashMap<>();
        /** Storages the walk made that a leaf's gradient now holds: left for the scope's close. */
        private final Set<Storage> pinned = Collections.newSetFromMap(new IdentityHashMap<>());

        Recycler(TensorScope scope) {
            this.scope = scope;
        }

        /** Runs {@code f}'s backward in a scope of its own; its temporaries go back when it returns. */
        Tensor[] backward(Function f, Tensor g) {
            if (scope == null) return f.backward(g);
            Tensor[] grads;
            try (TensorScope rule = TensorScope.open()) {
                grads = f.backward(g);
                for (Tensor t : grads) {
                    if (t == null) continue;
                    if (rule.holds(t)) counts.putIfAbsent(t.storage(), 0);
                    rule.keep(t);
                }
            }
            return grads;
        }

        /** {@code sum = before + grad}, made by the walk in the step's scope, replaces both in flight. */
        void summed(Tensor sum, Tensor before, Tensor grad) {
            if (scope == null) return;
            if (scope.holds(sum)) counts.putIfAbsent(sum.storage(), 0);
            hold(sum);
            drop(before);
            drop(grad);
        }

        void hold(Tensor t) {
            counts.computeIfPresent(t.storage(), (s, n) -> n + 1);
        }

        void drop(Tensor t) {
            Storage s = t.storage();
            Integer n = counts.get(s);
            if (n == null) return;
            if (n > 1) {
                counts.put(s, n - 1);
                return;
            }
            counts.remove(s);
            if (!pinned.contains(s)) scope.release(t);
        }

        /** {@code g} went to {@code leaf}: if the leaf's gradient is now {@code g}'s storage, it stays. */
        void handedTo(Variable leaf, Tensor g) {
            if (leaf.grad() != null && leaf.grad().storage() == g.storage()) {
                pinned.add(g.storage());
            }
            drop(g);
        }
    }

    /** Post-order DFS with an explicit stack: each function appears after all its inputs' functions. */
    private static List<Function> topologicalOrder(Function root) {
        List<Function> order = new ArrayList<>();
        Map<Function, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Function> stack = new ArrayDeque<>();
        ArrayDeque<Integer> next = new ArrayDeque<>(); // index of the next input to visit, per stack entry
        stack.push(root);
        next.push(0);
        seen.put(root, true);
        while (!stack.isEmpty()) {
            Function f = stack.peek();
            int i = next.pop();
            if (i == f.arity()) {
                stack.pop();
                order.add(f);
                continue;
            }
            next.push(i + 1);
            Function up = f.creator(i);
            if (up != null && seen.put(up, true) == null) {
                stack.push(up);
                next.push(0);
            }
        }
        return order;
    }

    private static void check(Function f, int input, Tensor grad) {
        if (!Arrays.equals(grad.shape(), f.inputShape(input))) {
            throw new IllegalStateException("backward of " + f.name() + ": gradient of input " + input + " has shape "
                    + Shapes.format(grad.shape()) + " but the input has shape " + Shapes.format(f.inputShape(input)));
        }
    }
}
