/**
 * Data sets and mini-batching: the IDX reader ({@link diffusion4j.data.Idx}), Fashion-MNIST with an
 * embedded class-balanced subset so training and tests run without a download
 * ({@link diffusion4j.data.FashionMnist}), and seeded shuffling batches
 * ({@link diffusion4j.data.Batches}) whose order depends only on a {@link diffusion4j.tensor.Generator}.
 */
package diffusion4j.data;
