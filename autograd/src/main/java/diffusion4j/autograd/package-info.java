/**
 * Reverse-mode automatic differentiation on top of {@link diffusion4j.tensor.Tensor}.
 *
 * <p>Design: a {@link diffusion4j.autograd.Variable} wraps a tensor; each differentiable op is one
 * small {@link diffusion4j.autograd.Function} subclass in {@code diffusion4j.autograd.ops} whose
 * forward and backward sit side by side and use only Tensor operations, so every backward rule
 * runs on every backend and kernels never see gradients. The graph is recorded eagerly while ops
 * run (define-by-run, as PyTorch), only when some input requires a gradient and no
 * {@link diffusion4j.autograd.NoGrad} scope is open. {@code Engine} walks it once in reverse
 * topological order, iteratively, and frees it unless asked to retain it. Composite ops (mean,
 * var, pooling, losses) are compositions of recorded ops rather than functions of their own, so
 * their gradients are correct by construction; only ops with fused backend kernels (convolution,
 * normalization, attention) or cheaper closed forms (softmax) get a function.
 *
 * <p>{@link diffusion4j.autograd.GradCheck} is the user-facing finite-difference checker.
 */
package diffusion4j.autograd;
