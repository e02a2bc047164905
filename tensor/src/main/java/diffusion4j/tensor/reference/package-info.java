/**
 * The scalar reference backend: the oracle every other backend is tested against.
 *
 * <p>Design: every kernel first reads its inputs, through their layouts, into dense row-major
 * {@code double[]} arrays ({@link diffusion4j.tensor.reference.Strided#read}), computes in double on
 * those with plain loops, and rounds to float exactly once when it stores the result. So strides,
 * broadcasts and offsets are handled in one place, and the op-family files ({@code RefConv},
 * {@code RefNorm}, ...) are pure functions on dense double arrays that the tests can also
 * differentiate numerically in double. Clarity beats speed here; nothing is vectorized or threaded.
 */
package diffusion4j.tensor.reference;
