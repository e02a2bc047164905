package diffusion4j.autograd;

import diffusion4j.tensor.Shapes;
import diffusion4j.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

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
        // order lists each function after the functions that made its inputs; walking it from the end
        // reaches a function only after every consumer of its output has added its gradient.
        for (int i = order.size() - 1; i >= 0; i--) {
            Function f = order.get(i);
            Tensor g = pending.remove(f);
            if (g != null) {
                Tensor[] grads = f.backward(g);
                for (int j = 0; j < f.arity(); j++) {
                    if (!f.needsGrad(j) || grads[j] == null) continue;
                    check(f, j, grads[j]);
                    Function up = f.creator(j);
                    if (up == null) f.leaf(j).accumulate(grads[j]);
                    else pending.merge(up, grads[j], Tensor::add);
                }
            }
            if (!retainGraph) f.free();
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
