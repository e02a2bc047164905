/**
 * Tensor file formats. {@link diffusion4j.tensor.io.Safetensors} reads and writes the safetensors
 * format that PyTorch and Hugging Face checkpoints use, validating untrusted headers with the
 * strict {@link diffusion4j.tensor.io.Json} parser (the project has no dependencies). It lives in
 * the tensor module so that every module above, tests included, can load PyTorch fixtures.
 */
package diffusion4j.tensor.io;
