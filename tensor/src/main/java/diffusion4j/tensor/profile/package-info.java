/**
 * A per-op profiler: {@link diffusion4j.tensor.profile.ProfilingBackend} decorates any
 * {@link diffusion4j.tensor.Backend}, timing and counting every call by op name, and
 * {@link diffusion4j.tensor.profile.Profiler} switches it on and prints the table (op, calls, total
 * ms, mean ms, % of total), so a user sees where a training step's time goes on CPU or OpenCL.
 *
 * <p>Why a decorator around the backend: every op of every front end (Tensor, Functional,
 * autograd, nn) reaches the device through exactly one {@code Backend} call, so wrapping that one
 * interface sees everything without touching any kernel, and costs nothing when it is off
 * ({@code Backends.get} then returns the backend itself).
 */
package diffusion4j.tensor.profile;
